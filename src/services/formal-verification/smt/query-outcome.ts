/** What one solver query answers, and the limits every query of a verification runs under. */
export type QueryOutcome =
  | { readonly status: 'unsat' }
  | { readonly status: 'sat'; readonly request: Record<string, unknown> }
  | { readonly status: 'unknown'; readonly reason: string };

export interface SessionLimits {
  /** Time limit of one query, in ms. */
  readonly queryTimeoutMs: number;
  /** Wall-clock instant (ms since the epoch) after which no query is started. */
  readonly deadline: number;
}
