/**
 * `acgs bundle create|activate|list|active|rotate-key`: policy bundles on a running platform
 * (docs/enforcement.md). `create <dir>` reads the policy files, stops at the first file that does
 * not parse (file:line:column), and snapshots them for the active constitution; without a
 * directory it snapshots the platform's drafts. The platform checks the policies against the
 * constitution's vocabulary; its field errors are mapped back to the policy's file.
 * Exit codes: 0 ok, 1 the policies have problems or the platform refused, 2 usage errors
 * (not a directory, no token, token refused).
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { FieldError } from '../../kernel/errors.js';
import { loadPolicies, type SourcedPolicy } from '../../policy/index.js';
import { collect } from './apikey.js';
import { callPlatform, type PlatformTarget, runPlatformCall } from './platform-http.js';
import type { CommandIo } from './policy.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

const AUTHOR = 'a policy author or admin';
const BUNDLE_ID = /^[0-9a-f]{64}$/;

export interface BundleCreateOptions extends PlatformTarget {
  /** Scenario suites to pin (default: every suite of the constitution). */
  readonly suites?: readonly string[];
  /** Activate the bundle once created. */
  readonly activate?: boolean;
}

/** Where a platform error about `/body/policies/<i>/…` points in the files the policies came from. */
function inFiles(policies: readonly SourcedPolicy[]) {
  return (e: FieldError): string => {
    const match = /^\/body\/policies\/(\d+)(.*)$/.exec(e.pointer);
    const source = match ? policies[Number(match[1])] : undefined;
    if (source === undefined || match === null) return `  ${e.pointer}: ${e.detail}`;
    const at = source.source;
    const where = at ? `${at.file ?? '<input>'}:${at.line}:${at.column}` : '';
    return `  ${where}${where ? ': ' : ''}policy ${source.policy.id}${match[2] || ''}: ${e.detail}`;
  };
}

export async function runBundleCreate(
  dir: string | undefined,
  options: BundleCreateOptions = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let policies: readonly SourcedPolicy[] | undefined;
  if (dir !== undefined) {
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      io.err(`acgs bundle create: '${dir}' is not a directory`);
      return 2;
    }
    const loaded = await loadPolicies(dir);
    // The platform checks against the active constitution's vocabulary, so the directory need
    // not hold one of its own (the loader's only problem without a position).
    const problems = loaded.diagnostics.filter(
      (d) => !(d.code === 'VOCABULARY_INVALID' && d.location === undefined),
    );
    if (problems.length > 0) {
      for (const d of problems) {
        const where = d.location ? `${d.location.file ?? dir}:${d.location.line}:${d.location.column}: ` : '';
        io.err(`${where}${d.code}: ${d.message}`);
      }
      io.err(`acgs bundle create: ${problems.length} problem(s) in ${dir}; nothing was sent`);
      return 1;
    }
    policies = loaded.policies;
  }
  const answer = await callPlatform(
    'acgs bundle create',
    options,
    {
      method: 'POST',
      path: '/api/v1/policies/bundles',
      tokenOf: AUTHOR,
      body: {
        ...(policies === undefined ? {} : { policies: policies.map((p) => p.policy) }),
        ...(options.suites === undefined || options.suites.length === 0 ? {} : { suites: options.suites }),
      },
      ...(policies === undefined ? {} : { describeError: inFiles(policies) }),
    },
    io,
    env,
  );
  if (!answer.ok) return answer.exitCode;
  const bundle = answer.body;
  const count = (bundle.policies as unknown[] | undefined)?.length ?? 0;
  io.out(
    `${bundle.created === true ? 'created' : 'exists '} bundle ${String(bundle.id)}  ${count} ${count === 1 ? 'policy' : 'policies'}, constitution ${String(bundle.constitutionHash).slice(0, 16)}, suites ${((bundle.suites as string[] | undefined) ?? []).join(', ') || '-'}`,
  );
  if (options.activate !== true) return 0;
  return runBundleActivate(String(bundle.id), options, io, env);
}

export async function runBundleActivate(
  id: string,
  target: PlatformTarget = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!BUNDLE_ID.test(id)) {
    io.err(`acgs bundle activate: '${id}' is not a bundle id (64 lower-case hex digits)`);
    return 2;
  }
  return runPlatformCall(
    'acgs bundle activate',
    target,
    { method: 'POST', path: `/api/v1/policies/bundles/${id}/activate`, tokenOf: 'an admin' },
    io,
    env,
    (a) =>
      io.out(
        `activated bundle ${String(a.bundleId)}  generation ${String(a.generation)}, previous ${a.previousBundleId === null ? '-' : String(a.previousBundleId)}, gates ${((a.gates as { name: string }[] | undefined) ?? []).map((g) => g.name).join(', ')}`,
      ),
  );
}

export async function runBundleList(
  options: PlatformTarget & { readonly limit?: number } = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const listed = await callPlatform(
    'acgs bundle list',
    options,
    { method: 'GET', path: `/api/v1/policies/bundles?limit=${options.limit ?? 100}`, tokenOf: AUTHOR },
    io,
    env,
  );
  if (!listed.ok) return listed.exitCode;
  // Which one is active: none yet is an answer too (503 PGC_NO_ACTIVE_BUNDLE), not a failure.
  const quiet: CommandIo = { out: () => {}, err: () => {} };
  const active = await callPlatform(
    'acgs bundle list',
    options,
    { method: 'GET', path: '/api/v1/policies/bundles/active', tokenOf: AUTHOR },
    quiet,
    env,
  );
  const activeId = active.ok ? String(active.body.bundleId) : undefined;
  const bundles = (listed.body.bundles ?? []) as {
    id: string;
    constitutionHash: string;
    createdAt: string;
    createdBy: string;
  }[];
  for (const b of bundles)
    io.out(
      `${b.id}  ${b.createdAt}  constitution ${b.constitutionHash.slice(0, 16)}  by ${b.createdBy}${b.id === activeId ? '  (active)' : ''}`,
    );
  if (bundles.length === 0) io.err('no bundles yet');
  else if (activeId === undefined) io.err('no bundle is active');
  return 0;
}

export async function runBundleActive(
  target: PlatformTarget = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return runPlatformCall(
    'acgs bundle active',
    target,
    { method: 'GET', path: '/api/v1/policies/bundles/active', tokenOf: AUTHOR },
    io,
    env,
    (body) => {
      const a = body as {
        bundleId: string;
        generation: number;
        activatedAt: string;
        activatedBy: string;
        replica: { bundleId: string; generation: number } | null;
      };
      io.out(`${a.bundleId}  generation ${a.generation}, activated ${a.activatedAt} by ${a.activatedBy}`);
      if (a.replica === null || a.replica.bundleId !== a.bundleId)
        io.err(
          `the replica that answered runs ${a.replica === null ? 'no bundle' : `${a.replica.bundleId} (generation ${a.replica.generation})`}; it swaps within seconds`,
        );
    },
  );
}

export async function runBundleRotateKey(
  target: PlatformTarget = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return runPlatformCall(
    'acgs bundle rotate-key',
    target,
    { method: 'POST', path: '/api/v1/policies/bundles/signing-key/rotate', tokenOf: 'an admin' },
    io,
    env,
    (body) =>
      io.out(
        `signing key ${String(body.keyId)} (public key ${String(body.publicKey)}); ${String(body.previousKeyId)} now only verifies`,
      ),
  );
}

function positiveInteger(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > 500)
    throw new InvalidArgumentError('expected an integer from 1 to 500');
  return parsed;
}

const TARGET_HELP = {
  url: 'the platform (default ACGS_URL, or http://127.0.0.1:8080)',
  token: 'bearer token (default ACGS_TOKEN)',
};

/** Adds `bundle create|activate|list|active` to the `acgs` program. */
export function registerBundleCommands(program: Command): void {
  const bundle = program
    .command('bundle')
    .description('create, activate and list policy bundles on a running platform');
  bundle
    .command('create [dir]')
    .description("snapshot the policies in <dir> (or the platform's drafts) for the active constitution")
    .option('-s, --suite <id>', 'pin a scenario suite (repeat for more; default: every suite)', collect)
    .option('--activate', 'activate the bundle once created')
    .option('--url <url>', TARGET_HELP.url)
    .option('--token <token>', TARGET_HELP.token)
    .action(async (dir: string | undefined, options: BundleCreateOptions & { suite?: string[] }) => {
      process.exitCode = await runBundleCreate(dir, {
        ...options,
        ...(options.suite === undefined ? {} : { suites: options.suite }),
      });
    });
  bundle
    .command('activate <id>')
    .description('run the activation gates; on success every replica swaps to the bundle')
    .option('--url <url>', TARGET_HELP.url)
    .option('--token <token>', TARGET_HELP.token)
    .action(async (id: string, options: PlatformTarget) => {
      process.exitCode = await runBundleActivate(id, options);
    });
  bundle
    .command('list')
    .description('bundles, newest first')
    .option('-n, --limit <n>', 'at most this many (1–500, default 100)', positiveInteger)
    .option('--url <url>', TARGET_HELP.url)
    .option('--token <token>', TARGET_HELP.token)
    .action(async (options: PlatformTarget & { limit?: number }) => {
      process.exitCode = await runBundleList(options);
    });
  bundle
    .command('rotate-key')
    .description('a new bundle-signing key signs from now on; earlier keys keep verifying their bundles')
    .option('--url <url>', TARGET_HELP.url)
    .option('--token <token>', TARGET_HELP.token)
    .action(async (options: PlatformTarget) => {
      process.exitCode = await runBundleRotateKey(options);
    });
  bundle
    .command('active')
    .description('the active bundle, and whether the replica that answered runs it')
    .option('--url <url>', TARGET_HELP.url)
    .option('--token <token>', TARGET_HELP.token)
    .action(async (options: PlatformTarget) => {
      process.exitCode = await runBundleActive(options);
    });
}
