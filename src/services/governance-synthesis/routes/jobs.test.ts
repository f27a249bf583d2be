/**
 * Synthesis jobs through the real kit (inject, no sockets) on a real SQLite database: 202 with
 * an id, the job runs the builtin synthesizer to a checked result, roles, validation, the
 * bounded queue (503 with Retry-After), cancellation, and a restart that resumes a job or fails
 * it with the reason. The constitution contract is answered with the example constitution.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServedModule, serveModule } from '../../../../test/support/contract-servers.js';
import { startFakeModelServer } from '../../../../test/support/fake-model-server.js';
import { LOAD_PROOF_VERIFICATION_MS } from '../../../../test/support/load-proof.js';
import { openTestServiceContext } from '../../../../test/support/service-context.js';
import {
  exampleConstitutionContract,
  exampleVersion,
  good,
  reworded,
  violating,
  widened,
  z3Verifier,
} from '../../../../test/support/synthesis-candidates.js';
import { createTestTokenIssuer } from '../../../../test/support/test-token-issuer.js';
import { ConfigError } from '../../../kernel/config.js';
import type { ServiceContext } from '../../../kit/service-module.js';
import { createDatabase, type Database } from '../../../storage/index.js';
import { abortableSleep } from '../llm/resilient-chat-model.js';
import { createGovernanceSynthesisService, type GovernanceSynthesisService } from '../service.js';
import { JOB_STAGES, SynthesisStore, synthesisMigrations } from '../store.js';
import { builtinProvider, type SynthesisProvider } from '../synthesis-provider.js';

const issuer = await createTestTokenIssuer();
const author = await issuer.headers('paula', ['policy_author']);
const auditor = await issuer.headers('audrey', ['auditor']);
const agent = await issuer.headers('agent-1', ['agent'], 'service');

const version = exampleVersion;
const constitution = exampleConstitutionContract;

const settings = { capacity: 2, leaseMs: 60_000, maxAttempts: 3 };

/** Polls until `done`; jobs verify with the solver, so the wait is as long as busy cores need. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (const end = Date.now() + LOAD_PROOF_VERIFICATION_MS; Date.now() < end; ) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out waiting');
}

/** The events of a server-sent event stream (comments and the `retry` hint left out). */
function parseEvents(body: string) {
  return body
    .split('\n\n')
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      return fields;
    })
    .filter((fields) => fields.has('event'))
    .map((fields) => ({
      name: fields.get('event')!,
      id: Number(fields.get('id')),
      job: JSON.parse(fields.get('data')!),
    }));
}

describe('synthesis jobs', () => {
  let dir: string;
  let database: Database;
  let context: ServiceContext;
  let service: GovernanceSynthesisService;
  let served: ServedModule;
  const open = async (instance: string, start: boolean) => {
    context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, instance);
    service = createGovernanceSynthesisService(context, { constitution, settings });
    if (start) await service.start?.();
    served = await serveModule(service, issuer.authenticator);
  };
  const close = async () => {
    await served.close();
    await service.stop?.();
    await context.bus.close();
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'acgs-gs-'));
    database = createDatabase(`sqlite:${join(dir, 'gs.db')}`);
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = (headers: Record<string, string>, payload: object) =>
    served.app.inject({ method: 'POST', url: '/api/v1/synthesis/jobs', headers, payload });
  const job = async (id: string) =>
    (
      await served.app.inject({ method: 'GET', url: `/api/v1/synthesis/jobs/${id}`, headers: auditor })
    ).json();
  const metric = async (name: string) => {
    const text = await context.metrics.metrics();
    return text.split('\n').filter((line) => line.startsWith(name));
  };
  /** A job's counters move just after its final state is stored: a reader may see the state first. */
  const settledMetric = (name: string, expected: readonly string[]) =>
    until(
      () => metric(name),
      (lines) => JSON.stringify(lines) === JSON.stringify(expected),
    ).catch(() => metric(name));

  it('answers 202 with an id and runs the builtin synthesizer to a checked policy set', async () => {
    await open('gs-a', true);
    const accepted = await submit(author, { provider: 'builtin' });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { id, status, constitutionHash } = accepted.json();
    assert.equal(accepted.headers.location, `/api/v1/synthesis/jobs/${id}`);
    assert.ok(['queued', 'running'].includes(status));
    assert.equal(constitutionHash, version.hash);
    const done = await until(
      () => job(id),
      (j) => j.status !== 'queued' && j.status !== 'running',
    );
    assert.equal(done.status, 'succeeded', done.error);
    assert.equal(done.stage, 'done');
    assert.equal(done.progress, 1);
    assert.equal(done.attempts, 1);
    assert.ok(done.result.policies.length >= 25);
    assert.deepEqual(done.result.report.scenarios.failed, []);
    assert.deepEqual(done.result.report.invariantViolations, []);
    assert.equal(done.result.report.verification.status, 'not-run');
    const emptyQueue = ['policy_synthesis_queue_length 0'];
    assert.deepEqual(await settledMetric('policy_synthesis_queue_length', emptyQueue), emptyQueue);
    assert.deepEqual(await metric('acgs_synthesis_jobs_total{'), [
      'acgs_synthesis_jobs_total{provider="builtin",outcome="succeeded"} 1',
    ]);
    // No language model was asked: the counter exists and says so.
    assert.deepEqual(await metric('acgs_llm_requests_total'), []);
    assert.ok((await context.metrics.metrics()).includes('# TYPE acgs_llm_requests_total counter'));
    await close();
  });

  it("streams a job's progress as server-sent events to an authorised reader, ending when it finishes", async () => {
    // A provider that takes its time, as a model does: the stream shows the stages it passes.
    const slow: SynthesisProvider = {
      name: 'slow',
      async synthesize(doc, signal, focus) {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return builtinProvider.synthesize(doc, signal, focus);
      },
    };
    context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-sse');
    service = createGovernanceSynthesisService(context, { constitution, settings, providers: [slow] });
    served = await serveModule(service, issuer.authenticator); // started once the stream is open
    const { id } = (await submit(author, { provider: 'slow' })).json();
    const events = (headers: Record<string, string>, jobId = id) =>
      served.app.inject({ method: 'GET', url: `/api/v1/synthesis/jobs/${jobId}/events`, headers });
    assert.equal((await events({})).statusCode, 401);
    assert.equal((await events(agent)).statusCode, 403);
    assert.equal((await events(auditor, 'no-such-job')).statusCode, 404);
    const streaming = events(auditor);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await service.start?.();
    const streamed = await streaming;
    assert.equal(streamed.statusCode, 200);
    assert.match(String(streamed.headers['content-type']), /^text\/event-stream/);
    const parsed = parseEvents(streamed.body);
    assert.equal(parsed[0]!.job.status, 'queued');
    assert.ok(
      parsed.some((e) => e.job.stage === 'synthesis' && e.job.status === 'running'),
      streamed.body,
    );
    const last = parsed.at(-1)!;
    assert.equal(last.name, 'end');
    assert.equal(last.job.status, 'succeeded');
    assert.equal(last.job.stage, 'done');
    assert.equal(last.job.result, undefined, 'events carry progress, GET the job for its result');
    assert.ok(parsed.slice(0, -1).every((e) => e.name === 'progress'));
    assert.deepEqual(
      parsed.map((e) => e.id),
      parsed.map((_e, i) => i + 1),
    );
    const stages = parsed.map((e) => JOB_STAGES.indexOf(e.job.stage));
    assert.deepEqual(
      stages,
      [...stages].sort((a, b) => a - b),
      'stages only move forward',
    );
    const progress = parsed.map((e) => e.job.progress as number);
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
      'progress never goes back',
    );
    // A finished job's stream is its end event alone.
    const again = await events(auditor);
    assert.deepEqual(
      parseEvents(again.body).map((e) => [e.name, e.id, e.job.status]),
      [['end', 1, 'succeeded']],
    );
    // A client that reconnects with Last-Event-ID gets ids after it, never one it has seen.
    const resumed = await events({ ...auditor, 'last-event-id': String(last.id) });
    assert.deepEqual(
      parseEvents(resumed.body).map((e) => [e.name, e.id]),
      [['end', last.id + 1]],
    );
    const garbled = await events({ ...auditor, 'last-event-id': 'x7' });
    assert.deepEqual(
      parseEvents(garbled.body).map((e) => e.id),
      [1],
    );
    await close();
  });

  it('a restart in the middle of a job: its progress stream ends at shutdown, the next process resumes the job', async () => {
    // The first process's provider is still at work (as a model would be) when the process stops.
    let asked = 0;
    const hanging: SynthesisProvider = {
      name: 'slow',
      async synthesize(_doc, signal) {
        asked++;
        await abortableSleep(120_000, signal);
        throw new Error('unreachable: the sleep ends only by aborting');
      },
    };
    context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-restart-1');
    service = createGovernanceSynthesisService(context, { constitution, settings, providers: [hanging] });
    await service.start?.();
    served = await serveModule(service, issuer.authenticator);
    const { id } = (await submit(author, { provider: 'slow' })).json();
    // The stage is written just before the provider is asked.
    await until(
      async () => ({ stage: (await job(id)).stage, asked }),
      (seen) => seen.stage === 'synthesis' && seen.asked === 1,
    );
    const response = await fetch(`${served.url}/api/v1/synthesis/jobs/${id}/events`, { headers: auditor });
    assert.equal(response.status, 200);
    const body = response.text();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the stream has sent the job's state
    const stopping = Date.now();
    await close(); // the server first (its streams end), then the service (the job is let go)
    const streamed = parseEvents(await body);
    assert.ok(Date.now() - stopping < 5000, 'shutdown did not wait for the running job');
    assert.deepEqual(
      streamed.map((e) => [e.name, e.job.stage]),
      [['progress', 'synthesis']],
      'the stream ended without an end event: the client reconnects',
    );
    const interrupted = await new SynthesisStore(database).get(id);
    assert.equal(interrupted?.status, 'running', 'left unfinished, not cancelled or failed');
    assert.equal(interrupted?.owner, null, 'and let go at shutdown');
    assert.deepEqual(
      await metric('acgs_synthesis_job_duration_seconds_count{'),
      [],
      'no outcome for a run cut short',
    );

    const quick: SynthesisProvider = { ...builtinProvider, name: 'slow' };
    context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-restart-2');
    service = createGovernanceSynthesisService(context, { constitution, settings, providers: [quick] });
    await service.start?.();
    served = await serveModule(service, issuer.authenticator);
    const resumed = await finished(id);
    assert.equal(resumed.status, 'succeeded', resumed.error);
    assert.equal(resumed.attempts, 2, 'run again from the start of its run');
    assert.deepEqual(resumed.result.report.scenarios.failed, []);
    await close();
  });

  it('a job that names no provider gets the configured one (ACGS_SYNTHESIS_PROVIDER); an unknown one is refused at start', async () => {
    const other: SynthesisProvider = { ...builtinProvider, name: 'other' };
    process.env.ACGS_SYNTHESIS_PROVIDER = 'other';
    try {
      context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-default');
      service = createGovernanceSynthesisService(context, {
        constitution,
        settings,
        providers: [builtinProvider, other],
      });
      await service.start?.();
      served = await serveModule(service, issuer.authenticator);
      const accepted = await submit(author, {});
      assert.equal(accepted.statusCode, 202, accepted.body);
      assert.equal(accepted.json().provider, 'other');
      assert.equal((await finished(accepted.json().id)).status, 'succeeded');
      assert.equal((await submit(author, { provider: 'builtin' })).json().provider, 'builtin');
      await close();
      process.env.ACGS_SYNTHESIS_PROVIDER = 'gpt-9';
      const fresh = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-default-2');
      assert.throws(
        () => createGovernanceSynthesisService(fresh, { constitution, settings }),
        // A ConfigError: the CLI prints its problems without a stack and exits 2.
        (error: Error) =>
          error instanceof ConfigError &&
          /ACGS_SYNTHESIS_PROVIDER is gpt-9, which is not configured here \(configured: builtin\)/.test(
            error.message,
          ),
      );
      await fresh.bus.close();
    } finally {
      delete process.env.ACGS_SYNTHESIS_PROVIDER;
    }
  });

  it('checks roles and input: problem+json naming the field', async () => {
    await open('gs-b', true);
    assert.equal((await submit(agent, { provider: 'builtin' })).statusCode, 403);
    assert.equal((await submit(auditor, { provider: 'builtin' })).statusCode, 403);
    const bad = await submit(author, { provider: 'builtin', candidates: 0 });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /candidates/);
    const unknownProvider = await submit(author, { provider: 'gpt-9' });
    assert.equal(unknownProvider.statusCode, 422);
    assert.equal(unknownProvider.json().code, 'SYNTHESIS_PROVIDER_UNAVAILABLE');
    const wrongVersion = await submit(author, { constitutionHash: 'a'.repeat(64) });
    assert.equal(wrongVersion.statusCode, 409);
    assert.equal(wrongVersion.json().code, 'SYNTHESIS_CONSTITUTION_MISMATCH');
    const unknownPrinciple = await submit(author, { principles: ['privacy', 'astrology'] });
    assert.equal(unknownPrinciple.statusCode, 400);
    assert.equal(unknownPrinciple.json().code, 'SYNTHESIS_JOB_INVALID');
    const both = await submit(author, { provider: 'builtin', providers: ['builtin'] });
    assert.equal(both.statusCode, 400, 'provider and providers at once: one would be ignored');
    assert.equal(both.json().code, 'SYNTHESIS_JOB_INVALID');
    assert.equal(both.json().field, '/providers');
    const blankGoal = await submit(author, { provider: 'builtin', goal: '   ' });
    assert.equal(blankGoal.statusCode, 400);
    assert.match(blankGoal.json().detail, /\/body\/goal/);
    const missing = await served.app.inject({
      method: 'GET',
      url: '/api/v1/synthesis/jobs/nope',
      headers: auditor,
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'SYNTHESIS_JOB_NOT_FOUND');
    await close();
  });

  it('a full queue answers 503 with Retry-After; cancellation; a restart resumes the waiting jobs', async () => {
    await open('gs-c', false); // not started: accepted jobs wait, as behind a long-running one
    const first = (await submit(author, {})).json();
    const second = (await submit(author, {})).json();
    assert.deepEqual(await metric('policy_synthesis_queue_length'), ['policy_synthesis_queue_length 2']);
    const full = await submit(author, {});
    assert.equal(full.statusCode, 503);
    assert.equal(full.json().code, 'SYNTHESIS_QUEUE_FULL');
    assert.equal(full.headers['retry-after'], '5');
    const cancelled = await served.app.inject({
      method: 'POST',
      url: `/api/v1/synthesis/jobs/${second.id}/cancel`,
      headers: author,
    });
    assert.equal(cancelled.statusCode, 200);
    assert.equal(cancelled.json().status, 'cancelled');
    assert.deepEqual(await metric('policy_synthesis_queue_length'), ['policy_synthesis_queue_length 1']);
    const again = await served.app.inject({
      method: 'POST',
      url: `/api/v1/synthesis/jobs/${second.id}/cancel`,
      headers: author,
    });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'SYNTHESIS_JOB_FINISHED');
    await close(); // the process stops with `first` accepted and not run

    await open('gs-d', true); // the next process takes it over
    const resumed = await until(
      () => job(first.id),
      (j) => j.status === 'succeeded' || j.status === 'failed',
    );
    assert.equal(resumed.status, 'succeeded', resumed.error);
    assert.equal((await job(second.id)).status, 'cancelled');
    await close();
  });

  it('a job interrupted as often as allowed is failed with the reason, not lost', async () => {
    const store = new SynthesisStore(database);
    const now = Date.now();
    await store.insert({
      id: 'interrupted-job',
      status: 'running',
      stage: 'synthesis',
      progress: 0.3,
      provider: 'builtin',
      constitution_hash: version.hash,
      request: '{}',
      result: null,
      error: null,
      attempts: 3,
      owner: 'a-crashed-process',
      lease_until_ms: now - 1,
      created_by: 'paula',
      created_ms: now - 10_000,
      updated_ms: now - 10_000,
    });
    await open('gs-e', true);
    const failed = await job('interrupted-job');
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /interrupted 3 times/);
    await close();
  });

  const finished = (id: string) =>
    until(
      () => job(id),
      (j) => j.status === 'succeeded' || j.status === 'failed',
    );

  for (const dialect of ['openai', 'anthropic'] as const) {
    it(`an ${dialect} model configured from the environment runs as a job and is counted`, async () => {
      const fake = await startFakeModelServer();
      fake.script = [violating, good].map((set) => ({ content: JSON.stringify({ policies: set }) }));
      fake.fallback = { content: JSON.stringify({ policies: violating }) };
      const vendor = dialect.toUpperCase();
      const env = {
        [`ACGS_SYNTHESIS_${vendor}_BASE_URL`]: fake.baseUrl(dialect),
        [`ACGS_SYNTHESIS_${vendor}_MODEL`]: 'scripted-1',
        [`ACGS_SYNTHESIS_${vendor}_API_KEY`]: 'sk-test',
        ACGS_SYNTHESIS_MAX_ROUNDS: '2',
      };
      Object.assign(process.env, env);
      try {
        await open(`gs-f-${dialect}`, true);
        const repaired = (await submit(author, { provider: dialect })).json();
        const done = await finished(repaired.id);
        assert.equal(done.status, 'succeeded', done.error);
        assert.equal(done.result.rounds, 2);
        assert.equal(done.result.model, 'scripted-1');
        assert.match(done.result.provenance.promptHash, /^[0-9a-f]{64}$/);
        assert.equal(done.result.provenance.jobId, repaired.id);
        assert.equal(done.result.provenance.requestedBy, 'paula');
        assert.deepEqual(await metric('acgs_llm_requests_total'), [
          `acgs_llm_requests_total{provider="${dialect}"} 2`,
        ]);
        assert.deepEqual(await metric('acgs_synthesis_breaker_open'), [
          `acgs_synthesis_breaker_open{provider="${dialect}"} 0`,
        ]);
        const tokens = await metric('acgs_llm_tokens_total{');
        assert.equal(tokens.length, 2, 'input and output tokens');
        assert.ok(tokens.every((line) => Number(line.split(' ')[1]) > 0));
        // From now on the model keeps answering the violating set: the job fails naming it.
        const stubborn = (await submit(author, { provider: dialect })).json();
        const failed = await finished(stubborn.id);
        assert.equal(failed.status, 'failed');
        assert.match(failed.error, /last problem: Invariant privacy\.no-external-pii-email is violated/);
        // The failed job reports every refused answer, as a successful one does.
        const [refused] = failed.result.candidates;
        assert.equal(refused.valid, false);
        assert.deepEqual(
          refused.repairs.map((r: { round: number; problem: string }) => r.round),
          [1, 2],
        );
        assert.match(refused.repairs[1].problem, /Invariant privacy\.no-external-pii-email is violated/);
        assert.deepEqual(await metric('acgs_llm_requests_total'), [
          `acgs_llm_requests_total{provider="${dialect}"} 4`,
        ]);
        const jobCounts = [
          `acgs_synthesis_jobs_total{provider="${dialect}",outcome="succeeded"} 1`,
          `acgs_synthesis_jobs_total{provider="${dialect}",outcome="failed"} 1`,
        ];
        assert.deepEqual(await settledMetric('acgs_synthesis_jobs_total{', jobCounts), jobCounts);
        assert.equal((await metric('acgs_synthesis_job_duration_seconds_count{')).length, 2);
      } finally {
        // Also after a failed assertion: a service left running keeps the test process alive.
        await close().catch(() => {});
        for (const name of Object.keys(env)) delete process.env[name];
        await fake.close();
      }
    });
  }

  for (const dialect of ['openai', 'anthropic'] as const) {
    it(`an ${dialect} job retries broken JSON and schema violations and reports them in its result`, async () => {
      const fake = await startFakeModelServer();
      const [first, ...rest] = good;
      fake.script = [
        { content: '{"policies": [{"id": ', asText: true },
        { content: JSON.stringify({ rules: good }) },
        { content: JSON.stringify({ policies: [{ ...first, effect: 'permit' }, ...rest] }) },
        { content: JSON.stringify({ policies: good }) },
      ];
      const vendor = dialect.toUpperCase();
      const env = {
        [`ACGS_SYNTHESIS_${vendor}_BASE_URL`]: fake.baseUrl(dialect),
        [`ACGS_SYNTHESIS_${vendor}_MODEL`]: 'scripted-1',
        ACGS_SYNTHESIS_MAX_ROUNDS: '4',
      };
      Object.assign(process.env, env);
      try {
        await open(`gs-g-${dialect}`, true);
        const { id } = (await submit(author, { provider: dialect })).json();
        const done = await finished(id);
        assert.equal(done.status, 'succeeded', done.error);
        assert.equal(done.result.rounds, 4);
        assert.equal(fake.seen.length, 4);
        const repairs = done.result.repairs as { round: number; problem: string }[];
        assert.deepEqual(
          repairs.map((r) => r.round),
          [1, 2, 3],
        );
        assert.match(repairs[0]!.problem, /not a valid policy set \(.*JSON/);
        assert.match(repairs[1]!.problem, /no "policies" array/);
        assert.match(repairs[2]!.problem, /policy checker refused the set:\n- \/policies\/0\/effect/);
        assert.deepEqual(done.result.candidates[0].repairs, repairs);
        // What the model was told is what the job reports.
        assert.match(fake.seen[3]!.body.messages.at(-1)!.content, /\/policies\/0\/effect/);
      } finally {
        await close().catch(() => {});
        for (const name of Object.keys(env)) delete process.env[name];
        await fake.close();
      }
    });
  }

  it('consensus: three providers, two equivalent in other words win, the third is reported with a request it decides otherwise', async () => {
    const fake = await startFakeModelServer();
    // The Anthropic model answers the builtin set in other words, the OpenAI model a wider set.
    const env = {
      ACGS_SYNTHESIS_ANTHROPIC_BASE_URL: fake.baseUrl('anthropic'),
      ACGS_SYNTHESIS_ANTHROPIC_MODEL: 'scripted-a',
      ACGS_SYNTHESIS_OPENAI_BASE_URL: fake.baseUrl('openai'),
      ACGS_SYNTHESIS_OPENAI_MODEL: 'scripted-o',
    };
    Object.assign(process.env, env);
    try {
      fake.script = [reworded, widened].map((set) => ({ content: JSON.stringify({ policies: set }) }));
      context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'gs-consensus');
      service = createGovernanceSynthesisService(context, {
        constitution,
        settings,
        verification: z3Verifier(),
      });
      await service.start?.();
      served = await serveModule(service, issuer.authenticator);
      const accepted = await submit(author, { providers: ['builtin', 'anthropic', 'openai'] });
      assert.equal(accepted.statusCode, 202, accepted.body);
      assert.equal(accepted.json().provider, 'builtin+anthropic+openai');
      const done = await finished(accepted.json().id);
      assert.equal(done.status, 'succeeded', done.error);
      assert.deepEqual(
        done.result.candidates.map((c: { provider: string; valid: boolean }) => [c.provider, c.valid]),
        [
          ['builtin', true],
          ['anthropic', true],
          ['openai', true],
        ],
      );
      const consensus = done.result.consensus;
      assert.equal(consensus.method, 'verifier');
      assert.deepEqual(
        consensus.groups.map((g: { members: number[] }) => g.members),
        [[0, 1], [2]],
      );
      assert.equal(done.result.provider, 'builtin');
      assert.equal(done.result.report.verification.status, 'proved');
      const [disagreement] = consensus.disagreements;
      assert.deepEqual(disagreement.members, [2]);
      assert.equal(disagreement.request.action.type, 'send_marketing');
      assert.deepEqual([disagreement.winnerDecision, disagreement.groupDecision], ['deny', 'allow']);
      await close();
    } finally {
      for (const name of Object.keys(env)) delete process.env[name];
      await fake.close();
    }
  });
});
