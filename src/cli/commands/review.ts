/** `acgs review list|claim|resolve`: the human review queue (docs/council.md §7). */
import type { Command } from 'commander';
import { type PlatformTarget, runPlatformCall } from './platform-http.js';
import type { CommandIo } from './policy.js';

const io: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
const TARGET = {
  url: 'the platform (default ACGS_URL, or http://127.0.0.1:8080)',
  token: 'bearer token of a reviewer (default ACGS_TOKEN)',
};
const show = (body: Record<string, unknown>) => io.out(JSON.stringify(body, null, 2));

export function registerReviewCommands(program: Command): void {
  const review = program.command('review').description('the human review queue');
  review
    .command('list')
    .option('--queue <name>', 'one queue')
    .option('--status <status>', 'open, claimed or resolved')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (o: PlatformTarget & { queue?: string; status?: string }) => {
      const query = new URLSearchParams({
        ...(o.queue ? { queue: o.queue } : {}),
        ...(o.status ? { status: o.status } : {}),
      });
      process.exitCode = await runPlatformCall(
        'acgs review list',
        o,
        { method: 'GET', path: `/api/v1/reviews?${query}`, tokenOf: 'a reviewer' },
        io,
        process.env,
        show,
      );
    });
  review
    .command('claim <decisionId>')
    .option('--lease <seconds>', 'how long to hold it')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (decisionId: string, o: PlatformTarget & { lease?: string }) => {
      process.exitCode = await runPlatformCall(
        'acgs review claim',
        o,
        {
          method: 'POST',
          path: `/api/v1/reviews/${decisionId}/claim`,
          body: o.lease === undefined ? {} : { leaseSeconds: Number(o.lease) },
          tokenOf: 'a reviewer',
        },
        io,
        process.env,
        show,
      );
    });
  review
    .command('resolve <decisionId> <outcome>')
    .description('approve or reject a task you hold')
    .requiredOption('--comment <text>', 'why')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (decisionId: string, outcome: string, o: PlatformTarget & { comment: string }) => {
      process.exitCode = await runPlatformCall(
        'acgs review resolve',
        o,
        {
          method: 'POST',
          path: `/api/v1/reviews/${decisionId}/resolve`,
          body: { outcome, comment: o.comment },
          tokenOf: 'a reviewer',
        },
        io,
        process.env,
        show,
      );
    });
}
