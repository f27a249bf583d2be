/**
 * Splits a query by action type. A policy only counts for the action types it targets, so a
 * question can be asked once per action type with `action.type` fixed and with the decision built
 * from only the policies that apply to that type: the solver never sees the others (Z3's
 * incremental solver does not drop them by itself, and one unrelated string policy could stall a
 * query about refunds). The answers are combined exactly: sat if any slice is sat, unsat only if
 * every slice is unsat.
 *
 * The slices cover every request: one per action type some policy (of either set) targets, and
 * one for every other action type (`type` undefined), where only `'*'` policies apply.
 */
import type { CelNode } from '../../../policy/cel-ast.js';
import type { Effect } from '../../../policy/index.js';
import { DECISION_CODE, type EncodedPolicy, type EncodedSet } from '../smt/policy-set-encoder.js';
import type { RequestSchema } from '../smt/request-schema.js';
import { app, ite, stringLit } from '../smt/smt-text.js';
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

/** One action type (or, undefined, every type no policy names). */
export interface TypeSlice {
  readonly type: string | undefined;
  /** Bool: the request's action type is this slice's. */
  readonly pin: string;
}

function typeTerm(schema: RequestSchema, type: string): string {
  return schema.isCoded('action.type') ? `${schema.literalCode(type)}` : stringLit(type);
}

/**
 * The slices to ask: one per type of `types` (any type, when undefined: every type of `universe`
 * and the rest). `universe` is every action type a policy of the verification targets.
 */
export function slicesOf(
  schema: RequestSchema,
  universe: readonly string[],
  types: readonly string[] | undefined,
): TypeSlice[] {
  const v = schema.value('action.type');
  const named = (types ?? universe).map((type) => ({ type, pin: `(= ${v} ${typeTerm(schema, type)})` }));
  if (types !== undefined) return named;
  const rest = app('and', ...universe.map((t) => `(not (= ${v} ${typeTerm(schema, t)}))`));
  return [...named, { type: undefined, pin: rest }];
}

/** Does `p` apply to requests of the slice's type? */
export function appliesTo(p: EncodedPolicy, type: string | undefined): boolean {
  const targets = p.source.policy.target.actions;
  return targets.includes('*') || (type !== undefined && targets.includes(type));
}

/**
 * Int term: the set's decision for requests of the slice's type, from only the policies that
 * apply to it (less `without`, for "the set without p"). Equal to the full decision under the pin.
 */
export function decisionIn(set: EncodedSet, type: string | undefined, without?: EncodedPolicy): string {
  const counting = (effect: Effect) =>
    app(
      'or',
      ...set.policies
        .filter((p) => p !== without && p.source.policy.effect === effect && appliesTo(p, type))
        .map((p) => p.counted),
    );
  return ite(
    counting('deny'),
    `${DECISION_CODE.deny}`,
    ite(
      counting('review'),
      `${DECISION_CODE.review}`,
      ite(counting('allow'), `${DECISION_CODE.allow}`, `${DECISION_CODE[set.defaultDecision]}`),
    ),
  );
}

/** Asks `assertions(slice)` with each slice pinned, until one is sat. */
export async function queryBySlice(
  session: VerificationSession,
  slices: readonly TypeSlice[],
  assertions: (slice: TypeSlice) => readonly string[],
): Promise<QueryOutcome> {
  let open: QueryOutcome | undefined;
  for (const slice of slices) {
    const outcome = await session.query([...assertions(slice), slice.pin]);
    if (outcome.status === 'sat') return outcome;
    if (outcome.status === 'unknown') open ??= outcome;
  }
  return open ?? { status: 'unsat' };
}

/** Asks `assertions` once per action type in `types` (or once, unsplit, when `types` is undefined). */
export async function queryByType(
  session: VerificationSession,
  schema: RequestSchema,
  types: readonly string[] | undefined,
  assertions: readonly string[],
): Promise<QueryOutcome> {
  if (types === undefined) return session.query(assertions);
  return queryBySlice(session, slicesOf(schema, [], types), () => assertions);
}

/**
 * The action types a condition can hold (or fail) for, read from its top-level conjuncts
 * `action.type == 'x'` / `action.type in ['x', …]` (undefined: any). Sound because `action.type`
 * is always present: such a conjunct is false, never an error, for other types, and CEL's `&&`
 * is false when one side is false whatever the other does.
 */
export function pinnedTypes(node: CelNode): readonly string[] | undefined {
  if (node.kind !== 'call') return undefined;
  if (node.fn === '_&&_') {
    const [a, b] = node.args.map(pinnedTypes);
    if (a === undefined) return b;
    if (b === undefined) return a;
    return a.filter((t) => b.includes(t));
  }
  const isActionType = (n: CelNode | undefined) =>
    n?.kind === 'select' &&
    !n.testOnly &&
    n.field === 'type' &&
    n.operand.kind === 'ident' &&
    n.operand.name === 'action';
  const literal = (n: CelNode | undefined) =>
    n?.kind === 'literal' && n.type === 'string' ? (n.value as string) : undefined;
  if (node.fn === '_==_' && node.args.length === 2) {
    const [l, r] = node.args;
    const lit = isActionType(l) ? literal(r) : isActionType(r) ? literal(l) : undefined;
    return lit === undefined ? undefined : [lit];
  }
  if (node.fn === '@in' && node.args.length === 2 && isActionType(node.args[0])) {
    const list = node.args[1]!;
    if (list.kind !== 'list') return undefined;
    const lits = list.elements.map(literal);
    return lits.every((l) => l !== undefined) ? (lits as string[]) : undefined;
  }
  return undefined;
}
