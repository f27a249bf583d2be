/** A chat-completions model behind one small interface, so the repair loop is the same for every vendor. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatModel {
  /** The provider name used in metrics and job records, e.g. `openai`. */
  readonly provider: string;
  readonly model: string;
  /**
   * One request; resolves with the model's text, which the caller parses. MUST reject once
   * `signal` aborts and MUST NOT log the key.
   */
  complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<string>;
}
