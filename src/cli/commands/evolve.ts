/**
 * `acgs evolve <dir>`: starts an evolution run on a running platform from the policies in
 * <dir> (docs/evolution.md), follows it with a progress bar, and prints the result and the
 * lineage as a tree. `--run <id>` follows a run already started. Exit codes: 0 the run
 * succeeded, 1 it failed or the platform refused, 2 usage errors.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadPolicies } from '../../policy/index.js';
import { type LineageEntry, lineageTree, progressBar } from './evolve-view.js';
import { callPlatform, type PlatformTarget } from './platform-http.js';
import type { CommandIo } from './policy.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export interface EvolveOptions extends PlatformTarget {
  readonly seed?: number;
  readonly iterations?: number;
  readonly propose?: boolean;
  readonly run?: string;
  /** Poll period, ms. */
  readonly interval?: number;
}

const AUTHOR = 'a policy author or admin';

export async function runEvolve(
  dir: string | undefined,
  options: EvolveOptions,
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let runId = options.run;
  if (runId === undefined) {
    if (dir === undefined) {
      io.err('acgs evolve: give a policy directory, or --run <id> to follow a run');
      return 2;
    }
    const loaded = await loadPolicies(dir);
    const problems = loaded.diagnostics.filter(
      (d) => !(d.code === 'VOCABULARY_INVALID' && d.location === undefined),
    );
    if (problems.length > 0) {
      for (const d of problems) io.err(`${d.code}: ${d.message}`);
      return 1;
    }
    const started = await callPlatform(
      'acgs evolve',
      options,
      {
        method: 'POST',
        path: '/api/v1/evolution/runs',
        tokenOf: AUTHOR,
        body: {
          base: { policies: loaded.policies.map((p) => p.policy) },
          seed: options.seed ?? 1,
          iterations: options.iterations ?? 300,
          propose: options.propose !== false,
        },
      },
      io,
      env,
    );
    if (!started.ok) return started.exitCode;
    runId = String(started.body.id);
    io.out(`run ${runId} started`);
  }
  for (;;) {
    const got = await callPlatform(
      'acgs evolve',
      options,
      { method: 'GET', path: `/api/v1/evolution/runs/${runId}`, tokenOf: AUTHOR },
      io,
      env,
    );
    if (!got.ok) return got.exitCode;
    const run = got.body;
    io.err(progressBar(Number(run.iteration), Number(run.iterations)));
    if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'cancelled') {
      if (run.status !== 'succeeded') {
        io.err(`acgs evolve: run ${runId} ${String(run.status)}: ${String(run.error ?? '')}`);
        return 1;
      }
      return printResult(runId, run.result as RunResult, options, io, env);
    }
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 1000));
  }
}

interface RunResult {
  readonly archiveHash: string;
  readonly base: { readonly heldOut?: { readonly accuracy: number } };
  readonly best?: {
    readonly id: string;
    readonly bundleId: string;
    readonly heldOut?: { readonly accuracy: number };
  };
  readonly proposal?: { readonly proposalId?: string; readonly error?: string };
}

async function printResult(
  runId: string,
  result: RunResult,
  target: PlatformTarget,
  io: CommandIo,
  env: NodeJS.ProcessEnv,
) {
  const lineage = await callPlatform(
    'acgs evolve',
    target,
    { method: 'GET', path: `/api/v1/evolution/runs/${runId}/lineage`, tokenOf: AUTHOR },
    io,
    env,
  );
  if (!lineage.ok) return lineage.exitCode;
  for (const line of lineageTree(lineage.body.entries as LineageEntry[], result.best?.id)) io.out(line);
  io.out(`archive ${result.archiveHash}`);
  if (result.best !== undefined)
    io.out(
      `best admissible ${result.best.id} (bundle ${result.best.bundleId.slice(0, 16)}): held-out accuracy ${result.base.heldOut?.accuracy ?? '?'} → ${result.best.heldOut?.accuracy ?? '?'}`,
    );
  if (result.proposal?.proposalId !== undefined)
    io.out(`proposed to the council: ${result.proposal.proposalId}`);
  if (result.proposal?.error !== undefined) io.err(`not proposed: ${result.proposal.error}`);
  return 0;
}

function count(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed > 10_000)
    throw new InvalidArgumentError('expected an integer from 0 to 10000');
  return parsed;
}

/** Adds `evolve` to the `acgs` program. */
export function registerEvolveCommand(program: Command): void {
  program
    .command('evolve [dir]')
    .description(
      'evolve the policy set in <dir> on a running platform (Darwin Gödel Machine), with a progress bar and the lineage tree',
    )
    .option('--seed <n>', 'the run seed (default 1)', count)
    .option('--iterations <n>', 'iterations (default 300)', count)
    .option('--no-propose', 'do not propose the best admissible variant to the council')
    .option('--run <id>', 'follow a run already started')
    .option('--url <url>', 'the platform (default ACGS_URL, or http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (default ACGS_TOKEN)')
    .action(async (dir: string | undefined, options: EvolveOptions) => {
      process.exitCode = await runEvolve(dir, options);
    });
}
