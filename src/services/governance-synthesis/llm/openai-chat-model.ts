/**
 * An OpenAI-compatible chat-completions model (OpenAI, or local servers such as Ollama or vLLM)
 * on the official `openai` package, asking for JSON-schema structured output. The SDK's own
 * retries are off: retries and backoff belong to the service's resilience layer.
 */
import OpenAI from 'openai';
import type { ChatMessage, ChatModel } from './chat-model.js';
import { POLICY_SET_SCHEMA } from './policy-set-schema.js';

export interface OpenAiSettings {
  readonly baseUrl: string;
  readonly model: string;
  /** Never logged. */
  readonly apiKey: string;
  readonly timeoutMs: number;
}

/** ACGS_SYNTHESIS_OPENAI_BASE_URL, _MODEL, _API_KEY, _TIMEOUT_MS; undefined when no model is configured. */
export function openAiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAiSettings | undefined {
  const model = env.ACGS_SYNTHESIS_OPENAI_MODEL;
  if (model === undefined || model === '') return undefined;
  const timeoutMs = Number(env.ACGS_SYNTHESIS_OPENAI_TIMEOUT_MS ?? 60_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new RangeError('ACGS_SYNTHESIS_OPENAI_TIMEOUT_MS must be a positive integer');
  return {
    baseUrl: env.ACGS_SYNTHESIS_OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    model,
    apiKey: env.ACGS_SYNTHESIS_OPENAI_API_KEY ?? 'none',
    timeoutMs,
  };
}

export class OpenAiChatModel implements ChatModel {
  readonly provider = 'openai';
  readonly model: string;
  private readonly client: OpenAI;

  constructor(settings: OpenAiSettings) {
    this.model = settings.model;
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      apiKey: settings.apiKey,
      timeout: settings.timeoutMs,
      maxRetries: 0,
    });
  }

  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<string> {
    const completion = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'policy_set',
            strict: true,
            schema: POLICY_SET_SCHEMA as unknown as Record<string, unknown>,
          },
        },
      },
      { signal },
    );
    return completion.choices[0]?.message.content ?? '';
  }
}
