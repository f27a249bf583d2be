/**
 * The synthesis job's own cost per candidate, without the model's time (issue 13, done-when 6,
 * second part). A job runs through the real queue, store (SQLite), repair loop, resilience layer,
 * checking, consensus and result on the OpenAI-compatible provider, whose model is the fake
 * server on loopback answering at once with the builtin set; every model call is timed where the
 * provider makes it (the official client's request on loopback, its parsing included). Overhead =
 * the job's wall time − the time inside model calls. The formal verifier is not wired here: its
 * proof, per candidate, is the first figure of bench/synthesis.bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/kernel/clock.js';
import type {
  ChatAnswer,
  ChatMessage,
  ChatModel,
} from '../src/services/governance-synthesis/llm/chat-model.js';
import { OpenAiChatModel } from '../src/services/governance-synthesis/llm/openai-chat-model.js';
import { repairingProvider } from '../src/services/governance-synthesis/llm/repair-loop.js';
import {
  abortableSleep,
  CircuitBreaker,
  ResilientChatModel,
} from '../src/services/governance-synthesis/llm/resilient-chat-model.js';
import { createGovernanceSynthesisService } from '../src/services/governance-synthesis/service.js';
import { synthesisMigrations } from '../src/services/governance-synthesis/store.js';
import { createDatabase } from '../src/storage/index.js';
import { startFakeModelServer } from '../test/support/fake-model-server.js';
import { openTestServiceContext } from '../test/support/service-context.js';
import { exampleConstitutionContract, exampleVersion, good } from '../test/support/synthesis-candidates.js';

/** Times every request it forwards. */
class TimedModel implements ChatModel {
  readonly provider: string;
  readonly model: string;
  ms = 0;
  calls = 0;
  constructor(private readonly inner: ChatModel) {
    this.provider = inner.provider;
    this.model = inner.model;
  }
  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<ChatAnswer> {
    const started = performance.now();
    try {
      return await this.inner.complete(messages, signal);
    } finally {
      this.ms += performance.now() - started;
      this.calls++;
    }
  }
}

export interface JobRun {
  readonly candidates: number;
  readonly wallMs: number;
  readonly providerMs: number;
  readonly modelCalls: number;
}

/** Runs `runs` jobs of each candidate count and returns every run. */
export async function measureJobOverhead(counts: readonly number[], runs: number): Promise<JobRun[]> {
  const fake = await startFakeModelServer();
  fake.fallback = { content: JSON.stringify({ policies: good }) };
  const dir = mkdtempSync(join(tmpdir(), 'acgs-bench-gs-'));
  const database = createDatabase(`sqlite:${join(dir, 'gs.db')}`);
  const context = await openTestServiceContext(database, dir, { gs: synthesisMigrations }, 'bench-gs');
  const timed = new TimedModel(
    new OpenAiChatModel({ baseUrl: fake.baseUrl('openai'), model: 'bench', apiKey: 'k', timeoutMs: 30_000 }),
  );
  const provider = repairingProvider(
    new ResilientChatModel(timed, new CircuitBreaker(systemClock), {
      attempts: 3,
      baseDelayMs: 2000,
      sleep: abortableSleep,
    }),
    { maxRounds: 3 },
  );
  const service = createGovernanceSynthesisService(context, {
    constitution: exampleConstitutionContract,
    providers: [provider],
    settings: { capacity: 50, leaseMs: 60_000, maxAttempts: 3 },
  });
  await service.start?.();
  const out: JobRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const candidates of counts) {
        timed.ms = 0;
        timed.calls = 0;
        const started = performance.now();
        const { id } = await service.jobs.submit(
          { provider: 'openai', constitutionHash: exampleVersion.hash, candidates },
          'bench',
        );
        let job = await service.jobs.get(id);
        while (job.status === 'queued' || job.status === 'running') {
          await new Promise((resolve) => setTimeout(resolve, 2));
          job = await service.jobs.get(id);
        }
        const wallMs = performance.now() - started;
        if (job.status !== 'succeeded') throw new Error(`bench job ${job.status}: ${job.error}`);
        out.push({ candidates, wallMs, providerMs: timed.ms, modelCalls: timed.calls });
      }
    }
  } finally {
    await service.stop?.();
    await context.bus.close();
    await database.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
