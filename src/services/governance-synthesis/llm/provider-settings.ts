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
    throw new RangeError(`${prefix}TIMEOUT_MS must be a positive integer`);
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
