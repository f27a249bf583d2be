/**
 * `acgs loadtest --scenario baseline|peak|stress|spike|endurance [--users N] [--duration D]
 * [--target URL]`: the assessment's load tests against a running platform (docs/enforcement.md).
 * Credentials: `--api-key` (or ACGS_API_KEY), an API key with the `agent` role; without one, the
 * command logs in as admin (`--username`, default admin; password from ACGS_ADMIN_PASSWORD) and
 * creates a key for the account `loadtest` with a rate limit that the run cannot hit.
 */
import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { runLoadTest } from './loadtest-run.js';
import { PRESETS, parseDuration, phasesOf, SCENARIO_NAMES, type ScenarioName } from './loadtest-scenarios.js';

interface LoadTestFlags {
  scenario: ScenarioName;
  users?: number;
  duration?: number;
  target: string;
  constitution?: string;
  apiKey?: string;
  username: string;
  mode: 'sync' | 'async';
  report?: string;
  maxP95?: number;
  rate: number;
  warmup: number;
}

function positiveInteger(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0) || value.trim() === '') throw new InvalidArgumentError('expected a number ≥ 0');
  return parsed;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('expected a positive number');
  return parsed;
}

/** An agent API key: the one given, or one created through an admin login. */
async function credentialsFor(
  flags: LoadTestFlags,
  err: (text: string) => void,
): Promise<Record<string, string>> {
  const given = flags.apiKey ?? process.env.ACGS_API_KEY;
  if (given !== undefined && given !== '') return { 'x-api-key': given };
  const password = process.env.ACGS_ADMIN_PASSWORD;
  if (password === undefined || password === '')
    throw new Error(
      'give --api-key (or ACGS_API_KEY) with the agent role, or ACGS_ADMIN_PASSWORD to create one',
    );
  const login = await fetch(new URL('/api/v1/auth/login', flags.target), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: flags.username, password }),
  });
  if (login.status !== 200)
    throw new Error(`admin login failed: ${login.status} ${(await login.text()).slice(0, 200)}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const created = await fetch(new URL('/api/v1/auth/api-keys', flags.target), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({
      account: 'loadtest',
      roles: ['agent'],
      name: `acgs loadtest ${new Date().toISOString()}`,
      expiresInDays: 1,
      rateLimitPerMinute: 1_000_000,
      // The scenarios name many principals; the load generator speaks for them all.
      delegate: true,
    }),
  });
  if (created.status !== 201)
    throw new Error(
      `creating the load-test API key failed: ${created.status} ${(await created.text()).slice(0, 200)}`,
    );
  const body = (await created.json()) as { key: string; id?: string };
  err(`created API key ${body.id ?? ''} for account loadtest (agent, expires in a day)`);
  return { 'x-api-key': body.key };
}

export function registerLoadTestCommand(program: Command): void {
  program
    .command('loadtest')
    .description('run one of the assessment load tests against a running platform')
    .addOption(
      new Option('-s, --scenario <name>', 'baseline | peak | stress | spike | endurance')
        .choices(SCENARIO_NAMES)
        .makeOptionMandatory(),
    )
    .option('-u, --users <n>', 'concurrent users (connections); scales the scenario', positiveInteger)
    .option('-d, --duration <time>', 'total duration, e.g. 30s, 5m, 1h', duration)
    .option('-t, --target <url>', 'the platform (gateway or PGC)', 'http://127.0.0.1:8080')
    .option(
      '--constitution <url>',
      'where the Constitutional AI service answers (distributed mode; default: the target)',
    )
    .option('--api-key <key>', 'an API key with the agent role (default: ACGS_API_KEY, or create one)')
    .option(
      '--username <name>',
      'admin to log in as when creating a key (password: ACGS_ADMIN_PASSWORD)',
      'admin',
    )
    .addOption(
      new Option('--mode <mode>', 'decision logging mode').choices(['sync', 'async']).default('sync'),
    )
    .option(
      '--rate <n>',
      'requests per second each user sends (think time 1/n s); 0: each user sends again as soon as answered',
      nonNegativeNumber,
      1,
    )
    .option(
      '--warmup <seconds>',
      'unmeasured traffic first, to warm caches and the JIT (0: none)',
      nonNegativeNumber,
      3,
    )
    .option('--report <file>', 'where to write the JSON report (default loadtest-<scenario>-<time>.json)')
    .option('--max-p95 <ms>', 'exit 1 when the overall p95 exceeds this', positiveNumber)
    .action(async (flags: LoadTestFlags) => {
      const err = (text: string) => process.stderr.write(`${text}\n`);
      try {
        new URL(flags.target);
      } catch {
        err(`acgs loadtest: --target ${JSON.stringify(flags.target)} is not a URL`);
        process.exitCode = 2;
        return;
      }
      const given = flags.apiKey ?? process.env.ACGS_API_KEY;
      if ((given === undefined || given === '') && !process.env.ACGS_ADMIN_PASSWORD) {
        err(
          'acgs loadtest: give --api-key (or ACGS_API_KEY) with the agent role, or ACGS_ADMIN_PASSWORD to create one',
        );
        process.exitCode = 2;
        return;
      }
      const phases = phasesOf(flags.scenario, flags.users, flags.duration);
      // The preset's own numbers only when they are the ones that run (--users/--duration scale it).
      const preset = PRESETS[flags.scenario];
      const scaled = flags.users !== undefined || flags.duration !== undefined;
      const what = scaled
        ? `${flags.scenario}, scaled from the preset's ${preset.users} users`
        : preset.description;
      err(
        `acgs loadtest ${flags.scenario} (${what}) against ${flags.target}: ${phases
          .map((p) => `${p.name} ${p.users} users for ${p.seconds} s`)
          .join(
            ', then ',
          )}; ${flags.rate > 0 ? `each user sends ${flags.rate} request(s) a second` : 'closed loop: each user sends again as soon as answered'}`,
      );
      let report: Awaited<ReturnType<typeof runLoadTest>>;
      try {
        const credentials = await credentialsFor(flags, err);
        const tty = process.stderr.isTTY === true;
        let lastPrinted = 0;
        report = await runLoadTest({
          target: flags.target,
          ...(flags.constitution === undefined ? {} : { constitutionUrl: flags.constitution }),
          scenario: flags.scenario,
          phases,
          credentials,
          mode: flags.mode,
          ratePerUser: flags.rate,
          warmupSeconds: flags.warmup,
          progress: (line, final) => {
            if (final) {
              if (tty) process.stderr.write('\n');
              return;
            }
            if (tty) process.stderr.write(`\r\x1b[K${line}`);
            else if (Date.now() - lastPrinted >= 5000) {
              lastPrinted = Date.now();
              err(line);
            }
          },
        });
      } catch (error) {
        err(`acgs loadtest: ${(error as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const file = flags.report ?? `loadtest-${flags.scenario}-${report.startedAt.replaceAll(':', '-')}.json`;
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      const t = report.total;
      const out = (text: string) => process.stdout.write(`${text}\n`);
      out(
        `scenario     ${report.scenario} (${report.mode} logging, ${report.ratePerUser > 0 ? `${report.ratePerUser} req/s per user` : 'closed loop'}), ${report.requestMix.scenarios} request kinds from the scenario suites`,
      );
      for (const p of report.phases) {
        out(
          `phase        ${p.name}: ${p.users} users, ${p.seconds} s, ${p.requests} requests, ${p.requestsPerSecond} req/s, p50 ${p.latencyMs.p50} ms, p95 ${p.latencyMs.p95} ms, p99 ${p.latencyMs.p99} ms, errors ${p.errors}`,
        );
      }
      out(`requests/s   ${t.requestsPerSecond}`);
      out(
        `latency      p50 ${t.latencyMs.p50} ms  p95 ${t.latencyMs.p95} ms  p99 ${t.latencyMs.p99} ms  max ${t.latencyMs.max} ms`,
      );
      out(`errors       ${t.errors} (${(t.errorRate * 100).toFixed(2)} %)`);
      out(
        `decisions    ${report.unexpectedDecisions === null ? 'not checked' : `${report.unexpectedDecisions} differed from the scenario's expected decision`}`,
      );
      out(`report       ${file}`);
      const slow = flags.maxP95 !== undefined && t.latencyMs.p95 > flags.maxP95;
      if (slow) err(`acgs loadtest: p95 ${t.latencyMs.p95} ms exceeds --max-p95 ${flags.maxP95} ms`);
      process.exitCode = t.errors > 0 || t.requests === 0 || slow ? 1 : 0;
    });
}
