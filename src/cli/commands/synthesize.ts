/**
 * `acgs synthesize`: starts a synthesis job on a running platform (docs/synthesis.md) and follows
 * it to its end with a progress line per stage (read from the job's server-sent events), then
 * prints what came out: the policies, the verifier's verdict, the consensus, the PGC bundle and
 * the council proposal. `--no-wait` only starts it; `--json` prints the finished job as JSON.
 * Exit codes: 0 the job succeeded (or was started, with --no-wait), 1 it failed or was cancelled,
 * or the platform refused or did not answer, 2 usage errors (no token, token refused).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { collect } from './apikey.js';
import { callPlatform, type PlatformTarget } from './platform-http.js';
import type { CommandIo } from './policy.js';
import { readJobEvents } from './synthesis-events.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
const COMMAND = 'acgs synthesize';
const AUTHOR = 'a policy author or admin';

export interface SynthesizeOptions extends PlatformTarget {
  /** One provider or several (consensus among their candidates). */
  readonly provider?: readonly string[];
  readonly candidates?: number;
  readonly principle?: readonly string[];
  readonly goal?: string;
  readonly propose?: boolean;
  /** false: start the job and return. */
  readonly wait?: boolean;
  readonly json?: boolean;
  /** How long to keep reconnecting to a progress stream that broke (default 2 min). */
  readonly reconnectForMs?: number;
}

/** `[ 60%] verification` — one line per change of stage or progress. */
export function progressLine(job: Record<string, unknown>): string {
  const percent = Math.round(Number(job.progress ?? 0) * 100);
  return `[${String(percent).padStart(3)}%] ${String(job.stage)}${job.status === 'queued' ? ' (waiting for a worker)' : ''}`;
}

/** What the summary reads of a finished job's result (docs/synthesis.md, Jobs). */
interface ResultSummary {
  readonly provider?: string;
  readonly model?: string;
  readonly rounds?: number;
  readonly policies?: readonly unknown[];
  readonly report?: { readonly verification?: { readonly status?: string; readonly proved?: number } };
  readonly consensus?: {
    readonly groups: readonly { readonly members: readonly number[] }[];
    readonly winner: number;
    readonly disagreements: readonly {
      readonly members: readonly number[];
      readonly request?: unknown;
      readonly winnerDecision?: string;
      readonly groupDecision?: string;
      readonly reason?: string;
    }[];
  };
  readonly bundle?: { readonly id: string; readonly created: boolean };
  readonly impact?: { readonly impact: string; readonly detail: string };
  readonly proposal?: { readonly id: string };
}

/** The finished job in a few lines. */
export function summaryLines(job: Record<string, unknown>): string[] {
  const result = (job.result ?? {}) as ResultSummary;
  const lines = [`job ${String(job.id)} ${String(job.status)}${job.error ? `: ${String(job.error)}` : ''}`];
  if (result.policies !== undefined) {
    const v = result.report?.verification ?? {};
    lines.push(
      `  ${result.policies.length} policies from ${result.provider} (${result.model}, ${result.rounds} rounds); verifier: ${v.status ?? 'not run'}${v.proved === undefined ? '' : `, ${v.proved} invariants proved`}`,
    );
  }
  const consensus = result.consensus;
  if (consensus !== undefined) {
    const groups = consensus.groups.map(
      (g, i) => `${i === consensus.winner ? '*' : ''}[${g.members.join(',')}]`,
    );
    lines.push(`  consensus: ${groups.join(' ')} (candidates grouped by what they decide; * won)`);
    for (const d of consensus.disagreements)
      lines.push(
        `  disagreement: candidates [${d.members.join(',')}] decide ${d.groupDecision ?? '?'} where the winners decide ${d.winnerDecision ?? '?'}: ${d.request === undefined ? d.reason : JSON.stringify(d.request)}`,
      );
  }
  if (result.bundle !== undefined)
    lines.push(
      `  bundle ${result.bundle.id} ${result.bundle.created ? 'stored' : 'already stored'} in the PGC (not active)`,
    );
  if (result.impact !== undefined)
    lines.push(`  against the active set: ${result.impact.impact} (${result.impact.detail})`);
  if (result.proposal !== undefined) lines.push(`  council proposal ${result.proposal.id} opened`);
  return lines;
}

export async function runSynthesize(
  options: SynthesizeOptions = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const providers = options.provider ?? [];
  const started = await callPlatform(
    COMMAND,
    options,
    {
      method: 'POST',
      path: '/api/v1/synthesis/jobs',
      tokenOf: AUTHOR,
      body: {
        // No provider named: the platform's configured default.
        ...(providers.length > 1 ? { providers } : providers.length === 1 ? { provider: providers[0] } : {}),
        ...(options.candidates === undefined ? {} : { candidates: options.candidates }),
        ...(options.principle === undefined || options.principle.length === 0
          ? {}
          : { principles: options.principle }),
        ...(options.goal === undefined ? {} : { goal: options.goal }),
        ...(options.propose === true ? { propose: true } : {}),
      },
    },
    io,
    env,
  );
  if (!started.ok) return started.exitCode;
  const id = String(started.body.id);
  io.err(`job ${id} started (${String(started.body.provider)})`);
  if (options.wait === false) {
    io.out(id);
    return 0;
  }
  const base = options.url ?? env.ACGS_URL ?? 'http://127.0.0.1:8080';
  const token = (options.token ?? env.ACGS_TOKEN)!;
  let last = '';
  // A platform that restarts comes back within a lease or two and resumes the job: keep
  // reconnecting (1 s, doubling to 5 s) until nothing has been heard for `reconnectForMs`.
  const reconnectForMs = options.reconnectForMs ?? 120_000;
  let heard = Date.now();
  let delayMs = 1000;
  for (;;) {
    try {
      const ended = await readJobEvents(
        new URL(`/api/v1/synthesis/jobs/${encodeURIComponent(id)}/events`, base),
        token,
        (event) => {
          heard = Date.now();
          delayMs = 1000;
          const line = progressLine(event.job);
          if (line === last) return;
          last = line;
          io.err(line);
        },
        AbortSignal.timeout(3_600_000),
      );
      if (ended !== undefined) break;
    } catch (error) {
      // A refusal (no such job, a token no longer accepted) does not go away by reconnecting.
      const status = (error as { status?: number }).status ?? 0;
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) break;
      if (Date.now() - heard >= reconnectForMs) break;
      io.err(`${COMMAND}: the progress stream broke (${(error as Error).message}); reconnecting`);
    }
    if (Date.now() - heard >= reconnectForMs) break;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 5000);
  }
  const finished = await callPlatform(
    COMMAND,
    options,
    { method: 'GET', path: `/api/v1/synthesis/jobs/${encodeURIComponent(id)}`, tokenOf: AUTHOR },
    io,
    env,
  );
  if (!finished.ok) return finished.exitCode;
  const job = finished.body;
  if (options.json === true) io.out(JSON.stringify(job, null, 2));
  else for (const line of summaryLines(job)) io.out(line);
  return job.status === 'succeeded' ? 0 : 1;
}

function candidatesOption(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > 10)
    throw new InvalidArgumentError('expected an integer from 1 to 10');
  return parsed;
}

/** Adds `synthesize` to the `acgs` program. */
export function registerSynthesizeCommand(program: Command): void {
  program
    .command('synthesize')
    .description('write policies from the active constitution with a synthesis job, and follow it')
    .option(
      '-p, --provider <name>',
      "builtin, openai or anthropic (default: the platform's ACGS_SYNTHESIS_PROVIDER); repeat for consensus among several providers",
      collect,
    )
    .option('-n, --candidates <n>', 'candidates per provider (1–10, default 1)', candidatesOption)
    .option('--principle <id>', "focus the models' prompt on a principle (repeat for more)", collect)
    .option('--goal <words>', "what the policies are for, in the models' prompt")
    .option('--propose', 'open a council proposal (activate-policies) for the bundle')
    .option('--no-wait', 'start the job, print its id and return')
    .option('--json', 'print the finished job as JSON')
    .option('--url <url>', 'the platform (default ACGS_URL, or http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token of a policy author or admin (default ACGS_TOKEN)')
    .addHelpText(
      'after',
      `
Progress goes to stderr, one line per stage ([ 60%] verification); the result to stdout: the
policies' provider and model, the formal verifier's verdict, the consensus among candidates
(grouped by what they decide, with a request on which the losers decide otherwise), the bundle
stored in the PGC (not active) and, with --propose, the council proposal to activate it.

Examples:
  acgs synthesize
  acgs synthesize -p builtin -p anthropic -p openai --propose
  acgs synthesize -p openai -n 3 --principle privacy --goal "keep customer data in house"`,
    )
    .action(async (options: SynthesizeOptions) => {
      process.exitCode = await runSynthesize(options);
    });
}
