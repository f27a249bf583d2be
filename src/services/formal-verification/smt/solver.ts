/**
 * The solver seam: the verifier speaks SMT-LIB 2.6 text to a session and reads the answers,
 * so the encoding is plain text that tests can read and another solver could take.
 *
 * A session MUST keep its declarations and definitions between `run` calls (push/pop scopes
 * the queries). `run` MUST NOT block the event loop while the solver works.
 */
export interface SolverSession {
  /** Runs SMT-LIB commands and returns what the solver printed. */
  run(commands: string): Promise<string>;
  /** Frees the session; it must not be used afterwards. */
  close(): void;
}

export interface Solver {
  /** e.g. `z3 4.16.0`. */
  readonly name: string;
  open(): Promise<SolverSession>;
}
