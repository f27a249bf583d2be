import { ConfigError } from '../../../kernel/config.js';

/** What every language-model provider is configured with, read from ACGS_SYNTHESIS_<VENDOR>_*. */
export interface ProviderSettings {
  readonly baseUrl: string;
  readonly model: string;
  /** Never logged. */
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/**
 * ACGS_SYNTHESIS_<vendor>_BASE_URL, _MODEL, _API_KEY, _TIMEOUT_MS (60000); undefined when no
 * model is configured (the provider is then not offered).
 */
export function providerSettingsFromEnv(
  vendor: 'OPENAI' | 'ANTHROPIC',
  defaultBaseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): ProviderSettings | undefined {
  const prefix = `ACGS_SYNTHESIS_${vendor}_`;
  const model = env[`${prefix}MODEL`];
  if (model === undefined || model === '') return undefined;
  const timeoutMs = Number(env[`${prefix}TIMEOUT_MS`] ?? 60_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new ConfigError([`${prefix}TIMEOUT_MS must be a positive integer`]);
  return {
    baseUrl: env[`${prefix}BASE_URL`] ?? defaultBaseUrl,
    model,
    apiKey: env[`${prefix}API_KEY`] ?? 'none',
    timeoutMs,
  };
}

/**
 * The options both official SDKs take for these settings. Their own retries are off: retries and
 * backoff belong to the service's resilience layer (resilient-chat-model.ts).
 */
export function sdkOptions(settings: ProviderSettings) {
  return { baseURL: settings.baseUrl, apiKey: settings.apiKey, timeout: settings.timeoutMs, maxRetries: 0 };
}

/**
 * Runs one request to the provider under the job's `signal` and a deadline of `timeoutMs` for the
 * whole answer, body included: the SDKs' own timeout stops once the headers are in, so a server
 * that trickles its body would hold the job, and the queue behind it, for ever. A missed deadline
 * rejects like a timeout (retried as one). The key is taken out of what it throws: a server (a
 * proxy, a local gateway) may echo it in its error, whose message becomes the job's recorded
 * failure and may be logged; the error is otherwise unchanged (status and headers drive retries).
 */
export async function callProvider<T>(
  settings: Pick<ProviderSettings, 'apiKey' | 'timeoutMs'>,
  signal: AbortSignal,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  try {
    return await request(AbortSignal.any([signal, deadline]));
  } catch (error) {
    if (deadline.aborted && !signal.aborted)
      throw new Error(`no complete answer within ${settings.timeoutMs} ms`, { cause: error });
    const { apiKey } = settings;
    // A key this short is a placeholder (`none`), not a secret, and would mangle ordinary words.
    if (error instanceof Error && apiKey.length >= 8) {
      error.message = error.message.replaceAll(apiKey, '[redacted]');
      const body = (error as { error?: unknown }).error;
      if (body !== undefined && JSON.stringify(body).includes(apiKey))
        (error as { error?: unknown }).error = JSON.parse(
          JSON.stringify(body).replaceAll(apiKey, '[redacted]'),
        );
    }
    throw error;
  }
}
