import { type Clock, systemClock } from '../../kernel/clock.js';
import { ConfigError } from '../../kernel/config.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import type { PolicyGovernanceContract } from '../../kernel/contracts/policy-governance.js';
import type { PolicyChangeContract } from '../../kernel/contracts/synthesis.js';
import type { VerificationContract } from '../../kernel/contracts/verification.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { type JobQueueSettings, SynthesisJobs } from './job-queue.js';
import { AnthropicChatModel, anthropicSettingsFromEnv } from './llm/anthropic-chat-model.js';
import type { ChatModel } from './llm/chat-model.js';
import { OpenAiChatModel, openAiSettingsFromEnv } from './llm/openai-chat-model.js';
import { repairingProvider } from './llm/repair-loop.js';
import { abortableSleep, CircuitBreaker, ResilientChatModel } from './llm/resilient-chat-model.js';
import { synthesisRoutes } from './plugin.js';
import { SynthesisStore } from './store.js';
import { createSynthesisMetrics, type SynthesisMetrics } from './synthesis-metrics.js';
import { builtinProvider, type SynthesisProvider } from './synthesis-provider.js';
import { modelChangeProposer } from './usecases/propose-change.js';

export interface SynthesisContracts {
  readonly constitution: ConstitutionContract;
  /** The formal verifier every candidate must pass (left out only by tests of the job mechanics). */
  readonly verification?: VerificationContract;
  /** Takes the chosen set as a bundle (left out only by tests of the job mechanics). */
  readonly policies?: PolicyGovernanceContract;
  /** Takes the activation proposal a job asks for. */
  readonly council?: CouncilContract;
  /** Defaults to the environment's (ACGS_SYNTHESIS_*). */
  readonly settings?: JobQueueSettings;
  /** Defaults to the builtin synthesizer plus each configured model. */
  readonly providers?: readonly SynthesisProvider[];
}

export interface GovernanceSynthesisService extends ServiceModule {
  readonly jobs: SynthesisJobs;
  /** Model-proposed changes for the Darwin Gödel Machine, on the first configured model; none without one. */
  readonly changes?: PolicyChangeContract;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError([`${name} must be a positive integer, got ${raw}`]);
  return value;
}

/** Queue settings from ACGS_SYNTHESIS_QUEUE_CAPACITY (50), ACGS_SYNTHESIS_LEASE_MS (60000), ACGS_SYNTHESIS_MAX_ATTEMPTS (3). */
export function loadSynthesisSettings(): JobQueueSettings {
  return {
    capacity: positive('ACGS_SYNTHESIS_QUEUE_CAPACITY', 50),
    leaseMs: positive('ACGS_SYNTHESIS_LEASE_MS', 60_000),
    maxAttempts: positive('ACGS_SYNTHESIS_MAX_ATTEMPTS', 3),
  };
}

/**
 * Each language model whose ACGS_SYNTHESIS_<VENDOR>_MODEL is set (OpenAI-compatible, Anthropic),
 * each with its own breaker (5 failures in 30 s open it for 30 s) and retries (3 attempts, 2 s
 * doubling backoff, Retry-After on 429).
 */
export function configuredChatModels(metrics: SynthesisMetrics, clock: Clock = systemClock): ChatModel[] {
  const models: ChatModel[] = [];
  const openAi = openAiSettingsFromEnv();
  if (openAi !== undefined) models.push(new OpenAiChatModel(openAi));
  const anthropic = anthropicSettingsFromEnv();
  if (anthropic !== undefined) models.push(new AnthropicChatModel(anthropic));
  return models.map((model) => {
    const breaker = new CircuitBreaker(clock);
    metrics.watchBreaker(model.provider, () => breaker.isOpen());
    return new ResilientChatModel(model, breaker, {
      attempts: 3,
      baseDelayMs: 2000,
      sleep: abortableSleep,
      onRequest: (provider) => metrics.llmRequests.inc({ provider }),
      onBreaker: (provider, open) => metrics.breakerOpen.set({ provider }, open ? 1 : 0),
      onUsage: (provider, usage) => {
        metrics.llmTokens.inc({ provider, kind: 'input' }, usage.inputTokens);
        metrics.llmTokens.inc({ provider, kind: 'output' }, usage.outputTokens);
      },
    });
  });
}

/**
 * The builtin synthesizer, plus each configured language model, repairing its answers for at
 * most ACGS_SYNTHESIS_MAX_ROUNDS (3) requests.
 */
export function configuredProviders(
  models: readonly ChatModel[],
  verifier?: VerificationContract,
): SynthesisProvider[] {
  const maxRounds = positive('ACGS_SYNTHESIS_MAX_ROUNDS', 3);
  return [
    builtinProvider,
    ...models.map((model) =>
      repairingProvider(model, { maxRounds, ...(verifier === undefined ? {} : { verifier }) }),
    ),
  ];
}

/**
 * The provider of a job that names none: ACGS_SYNTHESIS_PROVIDER, which must be one this process
 * offers (a name that is not is refused at start, not job by job); unset, `builtin` (or, in a
 * process built with other providers only, the first).
 */
export function defaultProviderOf(providers: ReadonlyMap<string, SynthesisProvider>): string {
  const configured = process.env.ACGS_SYNTHESIS_PROVIDER;
  const name =
    configured !== undefined && configured !== ''
      ? configured
      : providers.has(builtinProvider.name)
        ? builtinProvider.name
        : ([...providers.keys()][0] ?? builtinProvider.name);
  if (!providers.has(name))
    throw new ConfigError([
      `ACGS_SYNTHESIS_PROVIDER is ${name}, which is not configured here (configured: ${[...providers.keys()].join(', ')})`,
    ]);
  return name;
}

/** Builds the Governance Synthesis service from the adapters the wiring layer picked. */
export function createGovernanceSynthesisService(
  context: ServiceContext,
  contracts: SynthesisContracts,
): GovernanceSynthesisService {
  const metrics = createSynthesisMetrics(context.metrics);
  const models = configuredChatModels(metrics);
  const providers = new Map(
    (contracts.providers ?? configuredProviders(models, contracts.verification)).map(
      (p) => [p.name, p] as const,
    ),
  );
  const defaultProvider = defaultProviderOf(providers);
  const jobs = new SynthesisJobs(
    {
      store: new SynthesisStore(context.database),
      constitution: contracts.constitution,
      ...(contracts.verification === undefined ? {} : { verifier: contracts.verification }),
      ...(contracts.policies === undefined ? {} : { policies: contracts.policies }),
      ...(contracts.council === undefined ? {} : { council: contracts.council }),
      providers,
      clock: systemClock,
      owner: context.instanceId,
      leaseMs: (contracts.settings ?? loadSynthesisSettings()).leaseMs,
      metrics,
      logger: context.logger.child({ component: 'synthesis' }),
      defaultProvider,
    },
    contracts.settings ?? loadSynthesisSettings(),
  );
  const changes =
    models[0] === undefined ? undefined : modelChangeProposer(models[0], contracts.constitution);
  return {
    descriptor: SERVICES.gs,
    routes: synthesisRoutes(jobs, contracts.constitution, changes),
    jobs,
    ...(changes === undefined ? {} : { changes }),
    start: () => jobs.start(),
    stop: () => jobs.stop(),
  };
}
