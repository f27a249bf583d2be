/**
 * Encodes a policy set's combined decision: which policies apply to the request's action type,
 * which count (fail-closed: an error counts as matched for deny and review, as not matched for
 * allow), and the decision deny > review > allow > default (docs/policy-language.md §4).
 *
 * A policy outside the verifiable subset is not dropped: whether it counts becomes a free Bool
 * (a "havoc" variable), so anything proved holds whatever the policy does, and a witness that
 * relies on it is only reported once the engine confirms it.
 */
import type { CheckedPolicy } from '../../../policy/policy-checker.js';
import type { Effect } from '../../../policy/policy-model.js';
import { type DefinitionSink, encodeCondition, OutsideSubset } from './condition-encoder.js';
import type { RequestSchema } from './request-schema.js';
import { app, ite, stringLit, sym } from './smt-text.js';

/** Decisions as solver integers. */
export const DECISION_CODE: Readonly<Record<Effect, number>> = { allow: 1, review: 2, deny: 3 };
export const DECISION_OF_CODE: Readonly<Record<number, Effect>> = { 1: 'allow', 2: 'review', 3: 'deny' };

export interface EncodedPolicy {
  readonly source: CheckedPolicy;
  /** Bool: the policy targets the request's action type. */
  readonly applies: string;
  /** Bool: the policy contributes its effect to the decision. */
  readonly counted: string;
  /** Set when the condition is outside the subset: the free variable standing for it. */
  readonly havoc?: string;
  readonly outside?: readonly string[];
}

export interface EncodedSet {
  readonly name: string;
  readonly policies: readonly EncodedPolicy[];
  /** Int term: the combined decision (see DECISION_CODE). */
  readonly decision: string;
  readonly defaultDecision: Effect;
  /** Per effect, "some policy of that effect counts". */
  readonly any: Readonly<Record<Effect, string>>;
}

/** Bool: the policy targets the request's action type (the engine's index, as a formula). */
export function appliesTerm(actions: readonly string[], schema: RequestSchema): string {
  if (actions.includes('*')) return 'true';
  const type = schema.value('action.type');
  const coded = schema.isCoded('action.type');
  return app('or', ...actions.map((a) => `(= ${type} ${coded ? schema.literalCode(a) : stringLit(a)})`));
}

/** Bool: a policy of this effect counts, given whether its condition holds or fails. */
export function countedTerm(effect: Effect, holds: string, fails: string): string {
  return effect === 'allow' ? holds : app('or', holds, fails);
}

/** Encodes a policy set; `name` keeps its definitions apart from another set's in one session. */
export function encodePolicySet(
  name: string,
  policies: readonly CheckedPolicy[],
  defaultDecision: Effect,
  schema: RequestSchema,
  sink: DefinitionSink,
): EncodedSet {
  const encoded = policies.map((source, i) => encodePolicy(`${name}:${i}`, source, schema, sink));
  return combine(name, encoded, defaultDecision, sink);
}

export function encodePolicy(
  key: string,
  source: CheckedPolicy,
  schema: RequestSchema,
  sink: DefinitionSink,
): EncodedPolicy {
  const applies = sink.define('Bool', appliesTerm(source.policy.target.actions, schema));
  try {
    const c = encodeCondition(source.checked, schema, sink);
    const counted = sink.define(
      'Bool',
      app('and', applies, countedTerm(source.policy.effect, c.holds, c.fails)),
    );
    return { source, applies, counted };
  } catch (e) {
    // An encoder failure on a supported-looking construct is a verifier bug: the policy is then
    // treated like an unverifiable one (a free variable), which can cost a proof, never fake one.
    const reason =
      e instanceof OutsideSubset
        ? e.message
        : `verifier could not encode the condition: ${(e as Error).message}`;
    const havoc = sym(`h:${key}`);
    sink.lines.push(`(declare-const ${havoc} Bool)`);
    const counted = sink.define('Bool', app('and', applies, havoc));
    return { source, applies, counted, havoc, outside: [reason] };
  }
}

/** The decision of a list of encoded policies (also used for "the set without policy p"). */
export function combine(
  name: string,
  policies: readonly EncodedPolicy[],
  defaultDecision: Effect,
  sink: DefinitionSink,
): EncodedSet {
  const anyOf = (effect: Effect) =>
    sink.define(
      'Bool',
      app('or', ...policies.filter((p) => p.source.policy.effect === effect).map((p) => p.counted)),
    );
  const any = { deny: anyOf('deny'), review: anyOf('review'), allow: anyOf('allow') };
  const decision = sink.define(
    'Int',
    ite(
      any.deny,
      `${DECISION_CODE.deny}`,
      ite(
        any.review,
        `${DECISION_CODE.review}`,
        ite(any.allow, `${DECISION_CODE.allow}`, `${DECISION_CODE[defaultDecision]}`),
      ),
    ),
  );
  return { name, policies, decision, defaultDecision, any };
}
