/**
 * `acgs synthesize` against the synthesis service's real routes on a loopback port (builtin
 * provider, SQLite): it starts a job, follows its server-sent events with a progress line per
 * stage, and prints the result; `--no-wait` prints the id, `--json` the finished job; a refused
 * token exits 2, a refused job 1. The help text names what it does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { type ServedModule, serveModule } from '../../../test/support/contract-servers.js';
import { openTestServiceContext } from '../../../test/support/service-context.js';
import { exampleConstitutionContract } from '../../../test/support/synthesis-candidates.js';
import { createTcpProxy } from '../../../test/support/tcp-proxy.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import type { ServiceContext } from '../../kit/service-module.js';
import {
  createGovernanceSynthesisService,
  type GovernanceSynthesisService,
} from '../../services/governance-synthesis/service.js';
import { synthesisMigrations } from '../../services/governance-synthesis/store.js';
import { createDatabase, type Database } from '../../storage/index.js';
import { registerSynthesizeCommand, runSynthesize } from './synthesize.js';

const issuer = await createTestTokenIssuer();
const tokenOf = async (subject: string, roles: string[]) =>
  (await issuer.headers(subject, roles as never)).authorization.slice('Bearer '.length);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('acgs synthesize', () => {
  let dir: string;
  let database: Database;
  let context: ServiceContext;
  let service: GovernanceSynthesisService;
  let served: ServedModule;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-cli-synth-'));
    database = createDatabase(`sqlite:${join(dir, 'gs.db')}`);
    context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'cli-gs');
    service = createGovernanceSynthesisService(context, {
      constitution: exampleConstitutionContract,
      settings: { capacity: 5, leaseMs: 60_000, maxAttempts: 3 },
    });
    served = await serveModule(service, issuer.authenticator); // started by the first test

    token = await tokenOf('paula', ['policy_author']);
  });
  after(async () => {
    await served.close();
    await service.stop?.();
    await context.bus.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a job, shows a progress line per stage on stderr and the result on stdout', async () => {
    const { out, err, io } = capture();
    const running = runSynthesize({ url: served.url, token }, io, {});
    // The job waits in the queue until the CLI follows it.
    for (let i = 0; i < 400 && !err.some((line) => line.includes('queued')); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    await service.start?.();
    assert.equal(await running, 0, err.join('\n'));
    assert.match(err[0]!, /^job \S+ started \(builtin\)$/);
    const progress = err.slice(1);
    assert.equal(progress[0], '[  0%] queued (waiting for a worker)');
    assert.equal(progress.at(-1), '[100%] done');
    assert.ok(progress.every((line) => /^\[\s*\d+%\] [a-z]+/.test(line)));
    assert.match(out[0]!, /^job \S+ succeeded$/);
    assert.match(out[1]!, /^ {2}\d+ policies from builtin \(builtin, 0 rounds\); verifier: not-run$/);
  });

  it('--no-wait prints the job id; --json prints the finished job', async () => {
    const started = capture();
    assert.equal(await runSynthesize({ url: served.url, token, wait: false }, started.io, {}), 0);
    assert.match(started.out[0]!, /^[0-9a-f-]{36}$/);
    const json = capture();
    assert.equal(await runSynthesize({ url: served.url, token, json: true }, json.io, {}), 0);
    const job = JSON.parse(json.out.join('\n'));
    assert.equal(job.status, 'succeeded');
    assert.ok(job.result.policies.length >= 25);
  });

  it('exits 2 without a token or with one refused, 1 when the platform refuses the job', async () => {
    const none = capture();
    assert.equal(await runSynthesize({ url: served.url }, none.io, {}), 2);
    assert.match(none.err[0]!, /needs the bearer token of a policy author or admin/);
    const auditor = capture();
    const auditorToken = await tokenOf('audrey', ['auditor']);
    assert.equal(await runSynthesize({ url: served.url, token: auditorToken }, auditor.io, {}), 2);
    assert.match(auditor.err[0]!, /403 AUTH_FORBIDDEN/);
    const unknown = capture();
    assert.equal(await runSynthesize({ url: served.url, token, provider: ['gpt-9'] }, unknown.io, {}), 1);
    assert.match(unknown.err[0]!, /422 SYNTHESIS_PROVIDER_UNAVAILABLE: provider gpt-9 is not configured/);
  });

  it('follows a job through an outage longer than five seconds (a restarting platform)', async () => {
    const proxy = await createTcpProxy(served.url);
    try {
      const { out, err, io } = capture();
      const running = runSynthesize({ url: proxy.url, token }, io, {});
      for (let i = 0; i < 400 && !err.some((line) => line.includes('started')); i++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 7000));
      await proxy.start();
      assert.equal(await running, 0, err.join('\n'));
      assert.ok(err.some((line) => line.includes('reconnecting')));
      assert.match(out[0]!, /^job \S+ succeeded$/);
    } finally {
      await proxy.stop();
    }
  });

  it('has help text naming its options and what it prints', () => {
    const program = new Command('acgs');
    registerSynthesizeCommand(program);
    const help = program.commands.find((c) => c.name() === 'synthesize')!.helpInformation();
    for (const option of [
      '--provider',
      '--candidates',
      '--principle',
      '--goal',
      '--propose',
      '--no-wait',
      '--json',
    ])
      assert.ok(help.includes(option), option);
  });
});
