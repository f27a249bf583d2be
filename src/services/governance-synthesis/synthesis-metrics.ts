import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The service's metrics, with the names the autoscaler and the dashboards read (docs/synthesis.md). */
export interface SynthesisMetrics {
  /** Jobs this process has accepted and not finished (waiting or running): its own backlog. */
  readonly queueLength: Gauge;
  /** Requests sent to a language-model provider, by provider (the builtin synthesizer sends none). */
  readonly llmRequests: Counter<'provider'>;
  /** 1 while a provider's circuit breaker is open. */
  readonly breakerOpen: Gauge<'provider'>;
  /** Reads `isOpen` at every scrape, so the gauge falls back to 0 when the open period ends without a request. */
  watchBreaker(provider: string, isOpen: () => boolean): void;
  /** Finished jobs by provider and outcome. */
  readonly jobs: Counter<'provider' | 'outcome'>;
  /** Tokens the providers reported, by provider and kind (input, output). */
  readonly llmTokens: Counter<'provider' | 'kind'>;
  /** How long finished runs took, by provider and outcome. */
  readonly jobDuration: Histogram<'provider' | 'outcome'>;
}

export function createSynthesisMetrics(registry: Registry): SynthesisMetrics {
  const registers = [registry];
  const breakers = new Map<string, () => boolean>();
  return {
    watchBreaker: (provider, isOpen) => {
      breakers.set(provider, isOpen);
    },
    queueLength: new Gauge({
      name: 'policy_synthesis_queue_length',
      help: 'Synthesis jobs this pod has accepted and not finished (waiting or running).',
      registers,
    }),
    llmRequests: new Counter({
      name: 'acgs_llm_requests_total',
      help: 'Requests sent to a language-model provider.',
      labelNames: ['provider'],
      registers,
    }),
    breakerOpen: new Gauge({
      name: 'acgs_synthesis_breaker_open',
      help: "1 while the provider's circuit breaker is open (no requests sent), 0 otherwise.",
      labelNames: ['provider'],
      registers,
      collect() {
        for (const [provider, isOpen] of breakers) this.set({ provider }, isOpen() ? 1 : 0);
      },
    }),
    jobs: new Counter({
      name: 'acgs_synthesis_jobs_total',
      help: 'Synthesis jobs finished, by provider and outcome (succeeded, failed, cancelled).',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    llmTokens: new Counter({
      name: 'acgs_llm_tokens_total',
      help: 'Tokens used by language-model providers, as they report them (kind: input, output).',
      labelNames: ['provider', 'kind'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'acgs_synthesis_job_duration_seconds',
      help: 'Duration of synthesis job runs, from start to end, by provider and outcome.',
      labelNames: ['provider', 'outcome'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
  };
}
