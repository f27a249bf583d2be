/**
 * The builtin synthesizer's first stage: one policy per invariant, on exactly the region `when`
 * where the invariant applies, narrowed to the action types `when` pins. The effect is the
 * weakest one the invariant allows that still keeps its promise:
 * - forbids allow and review → deny;
 * - forbids allow only → review when a scenario in the region expects review, deny otherwise
 *   (with no evidence that a person should look, the stricter answer);
 * - forbids deny (and not allow) → allow, so the default cannot refuse what the invariant protects,
 *   with a review for the requests where `when` cannot be evaluated;
 * - forbids deny and allow → review.
 */
import type { Policy } from '../../../policy/index.js';
import type { ConstitutionInvariant, InvariantMatcher } from './invariant-matcher.js';

/** A scenario as the synthesizer reads it. */
export interface ScenarioExample {
  readonly id: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly expected: 'allow' | 'deny' | 'review';
}

const EQUALS = /^\s*action\.type\s*==\s*'([^'\\]+)'\s*(&&|$)/;
const IN_LIST = /^\s*action\.type\s+in\s+\[([^\]]*)\]\s*(&&|$)/;

/**
 * The action types a `when` pins with a leading `action.type == 'x'` or `action.type in [...]`
 * conjunct; `['*']` when it pins none (the policy then targets every action).
 */
export function actionTypesOf(when: string): string[] {
  const eq = EQUALS.exec(when);
  if (eq) return [eq[1]!];
  const list = IN_LIST.exec(when);
  if (list) {
    const items = list[1]!.split(',').map((item) => /^\s*'([^'\\]+)'\s*$/.exec(item)?.[1]);
    if (items.length > 0 && items.every((item) => item !== undefined)) return items as string[];
  }
  return ['*'];
}

function effectFor(
  inv: ConstitutionInvariant,
  matcher: InvariantMatcher,
  examples: readonly ScenarioExample[],
): Policy['effect'] | undefined {
  const forbids = new Set(inv.forbid);
  if (forbids.has('allow') && forbids.has('deny')) return forbids.has('review') ? undefined : 'review';
  if (forbids.has('allow') && forbids.has('review')) return 'deny';
  if (forbids.has('allow')) {
    const reviewed = examples.some(
      (ex) => ex.expected === 'review' && matcher.applicable(ex.request).some((a) => a.id === inv.id),
    );
    return reviewed ? 'review' : 'deny';
  }
  if (forbids.has('deny')) return 'allow';
  return forbids.has('review') ? 'deny' : undefined;
}

/**
 * A `when` that fails to evaluate counts as holding, but an allow policy whose condition fails
 * is not applied (fail-closed), so the default could refuse what the invariant protects. This
 * review policy matches exactly those requests: `W != W` is false whenever W evaluates and an
 * error (a matched review, fail-closed) whenever it does not.
 */
function unevaluableReview(inv: ConstitutionInvariant): Policy {
  return {
    id: `synth.${inv.id}.unevaluable`,
    version: 1,
    description: `${inv.reason} (when its condition cannot be evaluated, a person decides)`,
    principles: [inv.principleId],
    target: { actions: actionTypesOf(inv.when) },
    condition: `(${inv.when}) != (${inv.when})`,
    effect: 'review',
    priority: 5,
    obligations: [],
  };
}

/** One policy per invariant that can be enforced by a single effect (all three forbidden cannot). */
export function invariantPolicies(matcher: InvariantMatcher, examples: readonly ScenarioExample[]): Policy[] {
  const policies: Policy[] = [];
  for (const inv of matcher.invariants) {
    const effect = effectFor(inv, matcher, examples);
    if (effect === undefined) continue;
    if (effect === 'allow' && !inv.forbid.includes('review')) policies.push(unevaluableReview(inv));
    policies.push({
      id: `synth.${inv.id}`,
      version: 1,
      description: inv.reason,
      principles: [inv.principleId],
      target: { actions: actionTypesOf(inv.when) },
      condition: inv.when,
      effect,
      priority: effect === 'deny' ? 100 : effect === 'review' ? 50 : 10,
      obligations: [],
    });
  }
  return policies;
}
