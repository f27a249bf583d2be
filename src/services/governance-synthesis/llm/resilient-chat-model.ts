/**
 * Resilience around one provider's model: a circuit breaker (opens after `failures` failures
 * within `windowMs`, stays open `openMs`, then lets one trial request through) and retries
 * (`attempts` in all, backoff `baseDelayMs` doubling, or the server's `Retry-After` on a 429, up
 * to `maxRetryAfterMs`).
 * Only overload, timeouts and server errors are retried; a 4xx other than 408/429 is final.
 */
import type { Clock } from '../../../kernel/clock.js';
import type { ChatAnswer, ChatMessage, ChatModel } from './chat-model.js';

export interface BreakerSettings {
  readonly failures: number;
  readonly windowMs: number;
  readonly openMs: number;
}

/** A count-in-window circuit breaker on an injected clock. */
export class CircuitBreaker {
  private failuresAt: number[] = [];
  private openedAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly settings: BreakerSettings = { failures: 5, windowMs: 30_000, openMs: 30_000 },
  ) {}

  /** True while open: no request may be sent. After `openMs` one trial goes through (half-open). */
  isOpen(): boolean {
    return this.openedAt !== undefined && this.clock.now() - this.openedAt < this.settings.openMs;
  }

  success(): void {
    this.failuresAt = [];
    this.openedAt = undefined;
  }

  failure(): void {
    const now = this.clock.now();
    if (this.openedAt !== undefined) {
      this.openedAt = now; // the half-open trial failed: open again
      return;
    }
    this.failuresAt = [...this.failuresAt.filter((t) => now - t < this.settings.windowMs), now];
    if (this.failuresAt.length >= this.settings.failures) this.openedAt = now;
  }
}

export interface RetrySettings {
  readonly attempts: number;
  readonly baseDelayMs: number;
  /**
   * The longest Retry-After a 429 is waited for (default 60 s): a job holds the queue while it
   * waits, so a provider asking for more (an exhausted daily quota) fails the request at once.
   */
  readonly maxRetryAfterMs?: number;
  /** Waits `ms` or rejects when `signal` aborts (injected in tests). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Called for every request actually sent (the `acgs_llm_requests_total` counter). */
  readonly onRequest?: (provider: string) => void;
  /** Called whenever the breaker may have changed (the `acgs_synthesis_breaker_open` gauge). */
  readonly onBreaker?: (provider: string, open: boolean) => void;
  /** Called with the tokens of every answer that reports them (`acgs_llm_tokens_total`). */
  readonly onUsage?: (provider: string, usage: NonNullable<ChatAnswer['usage']>) => void;
}

/** Thrown when the breaker is open: the provider is not asked. */
export class BreakerOpenError extends Error {}

/** Sleeps with an abort signal. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  const raw =
    headers instanceof Headers
      ? headers.get('retry-after')
      : (headers as Record<string, string> | undefined)?.['retry-after'];
  if (raw === null || raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function retryable(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/** Wraps `inner` with the breaker and retries. */
export class ResilientChatModel implements ChatModel {
  readonly provider: string;
  readonly model: string;

  constructor(
    private readonly inner: ChatModel,
    private readonly breaker: CircuitBreaker,
    private readonly retry: RetrySettings,
  ) {
    this.provider = inner.provider;
    this.model = inner.model;
  }

  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<ChatAnswer> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      if (this.breaker.isOpen()) {
        this.retry.onBreaker?.(this.provider, true);
        throw new BreakerOpenError(`the ${this.provider} provider's circuit breaker is open`);
      }
      try {
        this.retry.onRequest?.(this.provider);
        const answer = await this.inner.complete(messages, signal);
        this.breaker.success();
        this.retry.onBreaker?.(this.provider, false);
        if (answer.usage !== undefined) this.retry.onUsage?.(this.provider, answer.usage);
        return answer;
      } catch (error) {
        if (signal.aborted) throw error;
        lastError = error;
        this.breaker.failure();
        this.retry.onBreaker?.(this.provider, this.breaker.isOpen());
        if (!retryable(error) || attempt === this.retry.attempts) break;
        const asked = statusOf(error) === 429 ? retryAfterMs(error) : undefined;
        const limit = this.retry.maxRetryAfterMs ?? 60_000;
        if (asked !== undefined && asked > limit) {
          if (error instanceof Error)
            error.message += ` (Retry-After ${Math.ceil(asked / 1000)} s is longer than the ${limit / 1000} s a job waits)`;
          break;
        }
        await this.retry.sleep(asked ?? this.retry.baseDelayMs * 2 ** (attempt - 1), signal);
      }
    }
    throw lastError;
  }
}
