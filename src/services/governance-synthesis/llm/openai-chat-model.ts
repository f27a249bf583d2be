/**
 * An OpenAI-compatible chat-completions model (OpenAI, or local servers such as Ollama or vLLM)
 * on the official `openai` package, asking for JSON-schema structured output. The SDK's own
 * retries are off: retries and backoff belong to the service's resilience layer.
 */
import OpenAI from 'openai';
import type { ChatAnswer, ChatMessage, ChatModel } from './chat-model.js';
import { POLICY_SET_SCHEMA } from './policy-set-schema.js';
import {
  callProvider,
  type ProviderSettings,
  providerSettingsFromEnv,
  sdkOptions,
} from './provider-settings.js';

export type OpenAiSettings = ProviderSettings;

/** ACGS_SYNTHESIS_OPENAI_BASE_URL, _MODEL, _API_KEY, _TIMEOUT_MS; undefined when no model is configured. */
export function openAiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenAiSettings | undefined {
  return providerSettingsFromEnv('OPENAI', 'https://api.openai.com/v1', env);
}

export class OpenAiChatModel implements ChatModel {
  readonly provider = 'openai';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly settings: ProviderSettings;

  constructor(settings: OpenAiSettings) {
    this.model = settings.model;
    this.settings = settings;
    this.client = new OpenAI(sdkOptions(settings));
  }

  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<ChatAnswer> {
    const completion = await callProvider(this.settings, signal, (deadline) =>
      this.client.chat.completions.create(
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
        { signal: deadline },
      ),
    );
    const choice = completion.choices[0];
    const text = choice?.message.content ?? '';
    const unanswered =
      choice === undefined
        ? 'the answer has no choices'
        : choice.message.refusal
          ? `the model refused: ${choice.message.refusal}`
          : choice.finish_reason === 'length'
            ? 'the answer was cut off at the token limit'
            : undefined;
    const usage = completion.usage;
    return {
      text,
      ...(unanswered === undefined ? {} : { unanswered }),
      ...(usage === undefined
        ? {}
        : { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }),
    };
  }
}
