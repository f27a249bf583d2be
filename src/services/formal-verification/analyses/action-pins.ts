/**
 * Splits a query by action type. A policy only counts for the action types it targets, so a
 * question about particular policies can be asked once per common target with `action.type`
 * fixed: the solver then drops every policy of other types before it starts. The answers are
 * combined exactly: sat if any split is sat, unsat only if every split is unsat.
 */
import type { RequestSchema } from '../smt/request-schema.js';
import { stringLit } from '../smt/smt-text.js';
import type { QueryOutcome, VerificationSession } from '../smt/verification-session.js';

/** The action types every list targets (undefined: any type, some list has `'*'`). */
export function commonTargets(...lists: readonly (readonly string[])[]): readonly string[] | undefined {
  let common: string[] | undefined;
  for (const list of lists) {
    if (list.includes('*')) continue;
    common = common === undefined ? [...list] : common.filter((t) => list.includes(t));
  }
  return common;
}

function pin(schema: RequestSchema, type: string): string {
  const v = schema.value('action.type');
  return `(= ${v} ${schema.isCoded('action.type') ? schema.literalCode(type) : stringLit(type)})`;
}

/** Asks `assertions` once per action type in `types` (or once, unsplit, when `types` is undefined). */
export async function queryByType(
  session: VerificationSession,
  schema: RequestSchema,
  types: readonly string[] | undefined,
  assertions: readonly string[],
): Promise<QueryOutcome> {
  if (types === undefined) return session.query(assertions);
  let open: QueryOutcome | undefined;
  for (const type of types) {
    const outcome = await session.query([...assertions, pin(schema, type)]);
    if (outcome.status === 'sat') return outcome;
    if (outcome.status === 'unknown') open ??= outcome;
  }
  return open ?? { status: 'unsat' };
}
