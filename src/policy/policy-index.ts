/**
 * The engine's indexing stage: policies compiled once, ordered by priority (then id), and indexed
 * by the action types they target, so a decision visits only the policies that can apply.
 */
import { type CompiledCondition, compileCondition } from './cel-compiler.js';
import type { CheckedPolicy } from './policy-checker.js';
import type { Effect, Obligation, Policy } from './policy-model.js';

/** What a decision reports of a matched policy (built once per policy, shared by decisions). */
export interface MatchedPolicy {
  readonly policyId: string;
  readonly version: number;
  readonly effect: Effect;
  readonly principles: readonly string[];
  readonly obligations: readonly Obligation[];
  /** Set when the policy counts as matched only because its condition failed (fail-closed). */
  readonly error?: string;
}

/** A compiled policy as the engine runs it. */
export interface EnginePolicy {
  readonly source: CheckedPolicy;
  readonly compiled: CompiledCondition;
  readonly effect: Effect;
  readonly match: MatchedPolicy;
  readonly reason: string;
}

export interface PolicyIndex {
  /** Every policy, highest priority first. */
  readonly all: readonly EnginePolicy[];
  /** The policies a request with this action type meets, in priority order. */
  lookup(actionType: string): readonly EnginePolicy[];
  /** Comprehension variable slots the largest condition needs. */
  readonly slots: number;
}

/** Compiles and indexes checked policies. */
export function indexPolicies(checked: readonly CheckedPolicy[]): PolicyIndex {
  const ordered = [...checked].sort(
    (a, b) =>
      b.policy.priority - a.policy.priority ||
      (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0),
  );
  let slots = 0;
  const all: EnginePolicy[] = ordered.map((source) => {
    const compiled = compileCondition(source.checked);
    slots = Math.max(slots, compiled.slots);
    return {
      source,
      compiled,
      effect: source.policy.effect,
      match: matchOf(source.policy),
      reason: reasonOf(source.policy),
    };
  });
  const wildcard = all.filter((p) => p.source.policy.target.actions.includes('*'));
  const byAction = new Map<string, EnginePolicy[]>();
  for (const p of all) {
    for (const action of p.source.policy.target.actions) {
      if (action !== '*' && !byAction.has(action)) byAction.set(action, []);
    }
  }
  // One pass in priority order keeps every list sorted: O(policies + action types × wildcards).
  const lists = [...byAction.values()];
  for (const p of all) {
    const actions = p.source.policy.target.actions;
    if (actions.includes('*')) for (const list of lists) list.push(p);
    else for (const action of actions) byAction.get(action)!.push(p);
  }
  return { all, slots, lookup: (type) => byAction.get(type) ?? wildcard };
}

function matchOf(policy: Policy): MatchedPolicy {
  return Object.freeze({
    policyId: policy.id,
    version: policy.version,
    effect: policy.effect,
    principles: Object.freeze([...policy.principles]),
    obligations: Object.freeze([...policy.obligations]),
  });
}

function reasonOf(policy: Policy): string {
  const why = policy.description === '' ? policy.condition.trim().replace(/\s+/g, ' ') : policy.description;
  return `${policy.effect} by ${policy.id} v${policy.version}: ${why}`;
}
