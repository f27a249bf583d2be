/**
 * `acgs policy check <dir>` and `acgs policy eval <dir> <request.json> [--explain]`.
 * Exit codes: 0 ok, 1 the policies or the request have problems, 2 usage errors (missing
 * directory or file, unreadable JSON, bad option).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { PlatformError } from '../../kernel/errors.js';
import {
  checkPolicies,
  compilePolicySet,
  EFFECTS,
  type Effect,
  loadPolicies,
  type PolicyCheckReport,
  type PolicyDiagnostic,
} from '../../policy/index.js';

/** Where a command writes: stdout lines and stderr lines. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export interface CheckOptions {
  readonly json?: boolean;
}

export interface EvalOptions {
  readonly explain?: boolean;
  readonly defaultDecision?: string;
}

function formatDiagnostic(d: PolicyDiagnostic): string {
  const where =
    d.location === undefined
      ? ''
      : `${d.location.file ?? '<input>'}:${d.location.line}:${d.location.column}: `;
  return `${where}${d.code}: ${d.message}${d.location === undefined && d.pointer !== '' ? ` (at ${d.pointer})` : ''}`;
}

function byPosition(a: PolicyDiagnostic, b: PolicyDiagnostic): number {
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (
    (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.column ?? 0) - (b.location?.column ?? 0)
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function loadAndCheck(dir: string, io: CommandIo) {
  if (!(await isDirectory(dir))) {
    io.err(`acgs policy: '${dir}' is not a directory`);
    return { code: 2 as const };
  }
  const loaded = await loadPolicies(dir);
  const report: PolicyCheckReport | undefined =
    loaded.vocabulary === undefined ? undefined : checkPolicies(loaded.policies, loaded.vocabulary);
  const diagnostics = [...loaded.diagnostics, ...(report?.diagnostics ?? [])].sort(byPosition);
  return { code: diagnostics.length === 0 ? (0 as const) : (1 as const), loaded, report, diagnostics };
}

/** `policy check`: every error with its position, then one line per policy. Returns the exit code. */
export async function runPolicyCheck(
  dir: string,
  options: CheckOptions = {},
  io: CommandIo = processIo,
): Promise<number> {
  const result = await loadAndCheck(dir, io);
  if (result.code === 2) return 2;
  const { loaded, report, diagnostics } = result;
  if (options.json === true) {
    io.out(
      JSON.stringify(
        { ok: diagnostics.length === 0, diagnostics, policies: report?.policies ?? [] },
        null,
        2,
      ),
    );
    return result.code;
  }
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  for (const p of report?.policies ?? []) {
    const status = p.ok ? 'ok' : 'ERROR';
    const subset = p.ok ? (p.verifiable ? 'verifiable' : `unverifiable: ${p.reasons.join('; ')}`) : '';
    io.out(`${status.padEnd(5)} ${p.id} v${p.version}${subset === '' ? '' : `  ${subset}`}`);
  }
  const count = report?.policies.length ?? loaded.policies.length;
  io.out(
    `${count} ${count === 1 ? 'policy' : 'policies'} in ${loaded.files.length} files: ${diagnostics.length} ${diagnostics.length === 1 ? 'error' : 'errors'}`,
  );
  return result.code;
}

/** `policy eval`: decides one request (and explains it) as JSON on stdout. Returns the exit code. */
export async function runPolicyEval(
  dir: string,
  requestFile: string,
  options: EvalOptions = {},
  io: CommandIo = processIo,
): Promise<number> {
  const defaultDecision = (options.defaultDecision ?? 'deny') as Effect;
  if (!EFFECTS.includes(defaultDecision)) {
    io.err(`acgs policy eval: --default-decision must be one of ${EFFECTS.join(', ')}`);
    return 2;
  }
  let request: unknown;
  try {
    request = JSON.parse(await readFile(requestFile, 'utf8'));
  } catch (e) {
    io.err(`acgs policy eval: cannot read request ${requestFile}: ${(e as Error).message}`);
    return 2;
  }
  const result = await loadAndCheck(dir, io);
  if (result.code === 2) return 2;
  if (result.code === 1 || result.loaded.vocabulary === undefined) {
    for (const d of result.diagnostics) io.err(formatDiagnostic(d));
    io.err(`acgs policy eval: the policies in ${dir} have errors; run 'acgs policy check ${dir}'`);
    return 1;
  }
  const engine = compilePolicySet(result.report!.checked, result.loaded.vocabulary, { defaultDecision });
  try {
    const output = options.explain === true ? engine.explain(request) : engine.decide(request);
    io.out(JSON.stringify(output, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof PlatformError && e.code === 'POLICY_REQUEST_INVALID') {
      io.err(`${requestFile}: POLICY_REQUEST_INVALID: the request does not match the vocabulary`);
      for (const f of e.errors ?? []) io.err(`  ${f.pointer}: ${f.detail}`);
      return 1;
    }
    throw e;
  }
}

/** Adds `policy check` and `policy eval` to the `acgs` program. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('check and evaluate policy directories');
  policy
    .command('check <dir>')
    .description('parse and type-check every policy in <dir> against its vocabulary; report all errors')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: CheckOptions) => {
      process.exitCode = await runPolicyCheck(dir, opts);
    });
  policy
    .command('eval <dir> <request>')
    .description('decide the JSON request file <request> with the policies in <dir>')
    .option('--explain', 'explain, per policy, whether it applied and matched')
    .option('--default-decision <decision>', 'decision when no policy matches (allow, deny, review)', 'deny')
    .action(async (dir: string, request: string, opts: EvalOptions) => {
      process.exitCode = await runPolicyEval(dir, request, opts);
    });
}
