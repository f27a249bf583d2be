/** A chat model behind one small interface, so the repair loop is the same for every vendor. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** What a model answered: its text (the policy set as JSON, which the caller parses) and the tokens it cost. */
export interface ChatAnswer {
  readonly text: string;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /**
   * Why the answer may hold no policy set although the request succeeded: the model refused, the
   * token limit cut it off, it called another tool, or there was no choice. Shown in the repair.
   */
  readonly unanswered?: string;
}

export interface ChatModel {
  /** The provider name used in metrics and job records, e.g. `openai`. */
  readonly provider: string;
  readonly model: string;
  /** One request. MUST reject once `signal` aborts and MUST NOT log the key. */
  complete(messages: readonly ChatMessage[], signal: AbortSignal): Promise<ChatAnswer>;
}
