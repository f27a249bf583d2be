/** `acgs review list|claim|resolve`: the human review queue (docs/council.md §7). */
import type { Command } from 'commander';
import { type PlatformTarget, runPlatformJson } from './platform-http.js';
import type { CommandIo } from './policy.js';

const stdio: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
const TARGET = {
  url: 'the platform (default ACGS_URL, or http://127.0.0.1:8080)',
  token: 'bearer token of a reviewer, or an API key (default ACGS_TOKEN)',
};

/** `review list [--queue q] [--status s]`: the tasks, as JSON. */
export function runReviewList(
  o: PlatformTarget & { queue?: string; status?: string },
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  const query = new URLSearchParams({
    ...(o.queue ? { queue: o.queue } : {}),
    ...(o.status ? { status: o.status } : {}),
  });
  return runPlatformJson(
    'acgs review list',
    o,
    { method: 'GET', path: `/api/v1/reviews?${query}`, tokenOf: 'a reviewer' },
    io,
    env,
  );
}

/** `review claim <decision> [--lease s]`: a lease on the task, so that no other reviewer takes it. */
export function runReviewClaim(
  decisionId: string,
  o: PlatformTarget & { lease?: string },
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  return runPlatformJson(
    'acgs review claim',
    o,
    {
      method: 'POST',
      path: `/api/v1/reviews/${encodeURIComponent(decisionId)}/claim`,
      body: o.lease === undefined ? {} : { leaseSeconds: Number(o.lease) },
      tokenOf: 'a reviewer',
    },
    io,
    env,
  );
}

/** `review resolve <decision> approve|reject --comment <text>`: the outcome of a task you hold. */
export function runReviewResolve(
  decisionId: string,
  outcome: string,
  o: PlatformTarget & { comment: string },
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  return runPlatformJson(
    'acgs review resolve',
    o,
    {
      method: 'POST',
      path: `/api/v1/reviews/${encodeURIComponent(decisionId)}/resolve`,
      body: { outcome, comment: o.comment },
      tokenOf: 'a reviewer',
    },
    io,
    env,
  );
}

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('the human review queue');
  review
    .command('list')
    .description('the review tasks, optionally of one queue or in one status (JSON)')
    .option('--queue <name>', 'one queue')
    .option('--status <status>', 'open, claimed or resolved')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (o: PlatformTarget & { queue?: string; status?: string }) => {
      process.exitCode = await runReviewList(o);
    });
  review
    .command('claim <decisionId>')
    .description('take an open task: a lease that expires, so that no other reviewer resolves it meanwhile')
    .option('--lease <seconds>', 'how long to hold it')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (decisionId: string, o: PlatformTarget & { lease?: string }) => {
      process.exitCode = await runReviewClaim(decisionId, o);
    });
  review
    .command('resolve <decisionId> <outcome>')
    .description('approve or reject a task you hold')
    .requiredOption('--comment <text>', 'why')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (decisionId: string, outcome: string, o: PlatformTarget & { comment: string }) => {
      process.exitCode = await runReviewResolve(decisionId, outcome, o);
    });
}
