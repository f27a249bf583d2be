/**
 * An Anthropic Messages model on the official `@anthropic-ai/sdk`, asked for structured output
 * through tool use: one tool whose input schema is the policy-set schema, and a `tool_choice`
 * that makes the model call it. The tool call's input is the answer; a model that answers in
 * text instead gets that text parsed (and, when it is no policy set, a repair round). The SDK's
 * own retries are off: retries and backoff belong to the service's resilience layer.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../../../kernel/config.js';
import type { ChatAnswer, ChatMessage, ChatModel } from './chat-model.js';
import { POLICY_SET_SCHEMA } from './policy-set-schema.js';
import {
  callProvider,
  type ProviderSettings,
  providerSettingsFromEnv,
  sdkOptions,
} from './provider-settings.js';

/** The tool the model must call with the policy set. */
export const POLICY_SET_TOOL = 'submit_policy_set';

export interface AnthropicSettings extends ProviderSettings {
  /** Upper bound of the answer's tokens (the Messages API requires one). */
  readonly maxTokens: number;
}

/**
 * ACGS_SYNTHESIS_ANTHROPIC_BASE_URL (https://api.anthropic.com), _MODEL, _API_KEY, _TIMEOUT_MS
 * (60000), _MAX_TOKENS (8192); undefined when no model is configured.
 */
export function anthropicSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): AnthropicSettings | undefined {
  const common = providerSettingsFromEnv('ANTHROPIC', 'https://api.anthropic.com', env);
  if (common === undefined) return undefined;
  const maxTokens = Number(env.ACGS_SYNTHESIS_ANTHROPIC_MAX_TOKENS ?? 8192);
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new ConfigError(['ACGS_SYNTHESIS_ANTHROPIC_MAX_TOKENS must be a positive integer']);
  return { ...common, maxTokens };
}

export class AnthropicChatModel implements ChatModel {
  readonly provider = 'anthropic';
  readonly model: string;
  private readonly client: Anthropic;
  private readonly maxTokens: number;
  private readonly settings: ProviderSettings;

  constructor(settings: AnthropicSettings) {
    this.model = settings.model;
    this.settings = settings;
    this.maxTokens = settings.maxTokens;
    this.client = new Anthropic(sdkOptions(settings));
  }

  async complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<ChatAnswer> {
    const system = messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    const message = await callProvider(this.settings, signal, (deadline) =>
      this.client.messages.create(
        {
          model: this.model,
          max_tokens: this.maxTokens,
          ...(system === '' ? {} : { system }),
          messages: messages
            .filter((m) => m.role !== 'system')
            .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
          tools: [
            {
              name: POLICY_SET_TOOL,
              description: 'Submit the complete policy set.',
              input_schema: POLICY_SET_SCHEMA as unknown as Anthropic.Messages.Tool.InputSchema,
            },
          ],
          tool_choice: { type: 'tool', name: POLICY_SET_TOOL },
        },
        { signal: deadline },
      ),
    );
    const call = message.content.find((block) => block.type === 'tool_use' && block.name === POLICY_SET_TOOL);
    const text =
      call?.type === 'tool_use'
        ? JSON.stringify(call.input)
        : message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    const stop = String(message.stop_reason);
    const other = message.content.find((block) => block.type === 'tool_use');
    const unanswered =
      stop === 'refusal'
        ? 'the model refused'
        : stop === 'max_tokens'
          ? `the answer was cut off at the token limit (ACGS_SYNTHESIS_ANTHROPIC_MAX_TOKENS, ${this.maxTokens})`
          : call === undefined && other?.type === 'tool_use'
            ? `the model called the tool ${other.name}, not ${POLICY_SET_TOOL}`
            : undefined;
    return {
      text,
      ...(unanswered === undefined ? {} : { unanswered }),
      usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
    };
  }
}
