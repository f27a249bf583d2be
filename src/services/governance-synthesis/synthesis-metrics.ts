import { Counter, Gauge, type Registry } from 'prom-client';

/** The service's metrics, with the names the autoscaler and the dashboards read (docs/synthesis.md). */
export interface SynthesisMetrics {
  /** Jobs this process has accepted and not finished (waiting or running): its own backlog. */
  readonly queueLength: Gauge;
  /** Requests sent to a language-model provider, by provider (the builtin synthesizer sends none). */
  readonly llmRequests: Counter<'provider'>;
  /** 1 while a provider's circuit breaker is open. */
  readonly breakerOpen: Gauge<'provider'>;
  /** Finished jobs by provider and outcome. */
  readonly jobs: Counter<'provider' | 'outcome'>;
}

export function createSynthesisMetrics(registry: Registry): SynthesisMetrics {
  const registers = [registry];
  return {
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
    }),
    jobs: new Counter({
      name: 'acgs_synthesis_jobs_total',
      help: 'Synthesis jobs finished, by provider and outcome (succeeded, failed, cancelled).',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
  };
}
