/**
 * One solver session of a verification: the request variables and every definition are sent
 * once, then each query is a push / assert / check-sat / get-value / pop. A `sat` answer is
 * decoded into request JSON; anything the solver does not settle (time limit, `unknown`, an
 * error) is `unknown` with the reason — never `unsat`.
 */
import type { QueryOutcome, SessionLimits } from './query-outcome.js';
import type { RequestSchema } from './request-schema.js';
import { parseSExprs, type SExpr, show } from './smt-text.js';
import type { Solver, SolverSession } from './solver.js';
import { type AffixForm, affixDefinitions } from './string-affixes.js';

export class ScopedSolver {
  private pushed = false;
  /** Set when the context's scopes can no longer be trusted: the next query gets a fresh one. */
  private stale: string | undefined;
  private broken: string | undefined;

  private constructor(
    private session: SolverSession,
    private readonly reopen: () => Promise<SolverSession>,
    private readonly schema: RequestSchema,
    private readonly limits: SessionLimits,
  ) {}

  /** Opens a solver session and sends the declarations and definitions (affixes in `form`). */
  static async open(
    solver: Solver,
    schema: RequestSchema,
    definitions: readonly string[],
    limits: SessionLimits,
    form: AffixForm,
  ): Promise<ScopedSolver> {
    const prelude = [
      '(set-option :produce-models true)', // Activity-based case splits: Z3's default strategy stalls on string disjunctions.
      '(set-option :smt.case_split 0)',
      schema.declarations(),
      ...affixDefinitions(form),
      ...definitions,
    ].join('\n');
    const reopen = async () => {
      const session = await solver.open();
      const out = await session.run(prelude);
      if (out.includes('(error')) {
        session.close();
        throw new Error(`the solver refused the encoding: ${out.trim().slice(0, 500)}`);
      }
      return session;
    };
    return new ScopedSolver(await reopen(), reopen, schema, limits);
  }

  /**
   * Replaces a context whose scopes may hold an earlier query's assertions (a command of a query
   * failed, e.g. Z3 cancelled a `push` when a 1 ms time limit's timer fired late): a fresh
   * context with the same prelude. If that fails, every later query is `unknown`.
   */
  private async renew(): Promise<void> {
    const why = this.stale;
    this.stale = undefined;
    this.session.close();
    try {
      this.session = await this.reopen();
    } catch (e) {
      this.broken = `the solver context could not be renewed after: ${why} (${(e as Error).message})`;
    }
  }

  /** Is there a valid request satisfying every assertion? (`capMs`: a shorter time limit.) */
  async query(assertions: readonly string[], capMs?: number): Promise<QueryOutcome> {
    const first = await this.check(assertions, capMs);
    if (first.status !== 'sat') return first;
    // A witness with −0.0 does not survive JSON; prefer one without when there is one.
    if (
      JSON.stringify(first.request) ===
      JSON.stringify(first.request, (_k, v) => (Object.is(v, -0) ? 'neg' : v))
    )
      return first;
    const second = await this.check([...assertions, this.schema.noNegativeZero()], capMs);
    return second.status === 'sat' ? second : first;
  }

  private async check(
    assertions: readonly string[],
    capMs = Number.POSITIVE_INFINITY,
  ): Promise<QueryOutcome> {
    if (this.stale !== undefined) await this.renew();
    if (this.broken !== undefined) return { status: 'unknown', reason: this.broken };
    const left = this.limits.deadline - Date.now();
    if (left <= 0)
      return { status: 'unknown', reason: 'the verification time limit was reached before this query' };
    const timeout = Math.max(1, Math.min(this.limits.queryTimeoutMs, left, capMs));
    // One command group per call: Z3 stops at the first error of a call, and an unrun `(pop)`
    // would leave this query's assertions in force for every later query.
    let status: SExpr | undefined;
    let values: SExpr[] = [];
    try {
      const t = Date.now();
      // Set before the call: if it fails half-way, the scope may exist and must still be left.
      this.pushed = true;
      // The model is asked for in the same call (one round trip to Z3's thread): after `unsat` or
      // `unknown` the `get-value` only prints an error, which is ignored.
      const vars = this.schema.variables();
      const answer = await this.session.run(
        [
          '(push)',
          `(set-option :timeout ${timeout})`,
          ...assertions.map((a) => `(assert ${a})`),
          '(check-sat)',
          ...(vars.length === 0 ? [] : [`(get-value (${vars.join(' ')}))`]),
        ].join('\n'),
      );
      if (process.env.ACGS_VERIFY_TRACE)
        process.stderr.write(`[verify] ${Date.now() - t} ms ${answer.trim().split('\n')[0]}\n`);
      // The first line is check-sat's answer; after `sat` the model follows, otherwise only
      // get-value's "model is not available" error may (anything else leaves the answer open).
      // Anything else (an error from push, set-option or an assert) means this query's commands
      // did not all run as written: its answer is not trusted, and the context is replaced.
      const [first = '', ...rest] = answer.trim().split('\n');
      const after = rest.join('\n').trim();
      status = first.trim();
      if (
        (status !== 'sat' && status !== 'unsat' && status !== 'unknown') ||
        (status !== 'sat' && after !== '' && !/^\(error "[^"\n]*model is not available"\)$/.test(after))
      ) {
        this.stale = `solver error: ${answer.trim().slice(0, 300)}`;
        return { status: 'unknown', reason: this.stale };
      }
      if (status === 'sat') {
        const list = vars.length === 0 ? [[]] : parseSExprs(after);
        if (list.length !== 1 || !Array.isArray(list[0])) {
          return {
            status: 'unknown',
            reason: `verifier bug: no model values (${answer.trim().slice(0, 200)})`,
          };
        }
        values = list[0] as SExpr[];
      }
    } catch (e) {
      this.stale = `solver failure: ${(e as Error).message}`;
      return { status: 'unknown', reason: this.stale };
    } finally {
      await this.pop();
    }
    if (status === 'unsat') return { status: 'unsat' };
    if (status === 'unknown') {
      return {
        status: 'unknown',
        reason: `the solver could not decide within ${timeout} ms (time limit or incomplete theory)`,
      };
    }
    if (status !== 'sat') return { status: 'unknown', reason: `solver error: ${show(status)}` };
    try {
      const byName = new Map<string, SExpr>();
      for (const pair of values) {
        if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string')
          byName.set(pair[0], pair[1]!);
      }
      return { status: 'sat', request: this.schema.decode(byName) };
    } catch (e) {
      return {
        status: 'unknown',
        reason: `verifier bug: the model could not be decoded (${(e as Error).message})`,
      };
    }
  }

  /** Leaves the query's scope; if the solver refuses, the context is replaced before the next query. */
  private async pop(): Promise<void> {
    if (!this.pushed) return;
    this.pushed = false;
    let out: string;
    try {
      out = await this.session.run('(pop)');
    } catch (e) {
      out = (e as Error).message || 'no answer';
    }
    // A scope left in place could turn later answers into false `unsat`s: start afresh.
    if (out.trim() !== '')
      this.stale = `the solver could not leave a query's scope: ${out.trim().slice(0, 200)}`;
  }

  close(): void {
    this.session.close();
  }
}
