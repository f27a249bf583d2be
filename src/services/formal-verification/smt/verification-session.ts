/**
 * One verification's solver sessions. Queries go to a session whose `startsWith`/`endsWith` use
 * Z3's native affix predicates; when the model has such predicates and that session does not
 * settle a query, the same query is asked of a second session (opened on first need) that
 * defines them as `substr` equalities, then once more of the first with the full time limit
 * (string-affixes.ts). Every session has the same variables and definitions otherwise, so any
 * answer is an answer about the same model: the portfolio can only turn an `unknown` into an
 * answer, never change one.
 */
import type { QueryOutcome, SessionLimits } from './query-outcome.js';
import type { RequestSchema } from './request-schema.js';
import { ScopedSolver } from './scoped-solver.js';
import type { Solver } from './solver.js';
import { usesAffixes } from './string-affixes.js';

export type { QueryOutcome, SessionLimits } from './query-outcome.js';

/** Time the first form gets before the other is tried (when the model has affixes). */
const FIRST_TRY_MS = 1_500;

export class VerificationSession {
  #other: Promise<ScopedSolver> | undefined;

  private constructor(
    private readonly native: ScopedSolver,
    private readonly reopen: (() => Promise<ScopedSolver>) | undefined,
  ) {}

  /** Opens the first solver session and sends the declarations and definitions. */
  static async open(
    solver: Solver,
    schema: RequestSchema,
    definitions: readonly string[],
    limits: SessionLimits,
  ): Promise<VerificationSession> {
    const native = await ScopedSolver.open(solver, schema, definitions, limits, 'native');
    const other = usesAffixes(definitions)
      ? () => ScopedSolver.open(solver, schema, definitions, limits, 'substr')
      : undefined;
    return new VerificationSession(native, other);
  }

  /** Is there a valid request satisfying every assertion? */
  async query(assertions: readonly string[]): Promise<QueryOutcome> {
    if (this.reopen === undefined) return this.native.query(assertions);
    const first = await this.native.query(assertions, FIRST_TRY_MS);
    if (first.status !== 'unknown' || !first.reason.startsWith('the solver could not decide')) return first;
    this.#other ??= this.reopen();
    let other: ScopedSolver;
    try {
      other = await this.#other;
    } catch (e) {
      return {
        status: 'unknown',
        reason: `${first.reason}; the second encoding failed: ${(e as Error).message}`,
      };
    }
    const second = await other.query(assertions);
    if (second.status !== 'unknown') return second;
    return this.native.query(assertions);
  }

  close(): void {
    this.native.close();
    void this.#other?.then(
      (s) => s.close(),
      () => {},
    );
  }
}
