/**
 * Replays a solver's request through the compiled engine. Nothing the solver finds is reported
 * before the engine has decided the same request the same way; when they disagree, the answer is
 * `unknown` and, unless an unverifiable policy explains it, a verifier-bug note.
 */
import type { PolicyEngine } from '../../../policy/index.js';
import type { EncodedPolicy } from '../smt/policy-set-encoder.js';
import type { Witness } from '../verification-report.js';

/** The request as a client will see it (JSON round trip), decided by the engine; undefined if invalid. */
export function replay(engine: PolicyEngine, request: Record<string, unknown>): Witness | undefined {
  const json = JSON.parse(JSON.stringify(request)) as Record<string, unknown>;
  try {
    const r = engine.decide(json);
    return {
      request: json,
      decision: r.decision,
      matched: r.matched.map((m) => m.policyId),
      errors: r.errors.map((e) => ({ policyId: e.policyId, message: e.message })),
    };
  } catch {
    return undefined;
  }
}

/** Unverifiable policies that target the witness's action type (what can explain a disagreement). */
export function havocInvolved(
  policies: readonly EncodedPolicy[],
  request: Record<string, unknown>,
): string[] {
  const type = (request.action as { type?: unknown } | undefined)?.type;
  return policies
    .filter((p) => p.havoc !== undefined)
    .filter((p) => p.source.policy.target.actions.some((a) => a === '*' || a === type))
    .map((p) => p.source.policy.id);
}

/** The reason an unconfirmed witness leaves the answer open. */
export function unconfirmed(
  what: string,
  involved: readonly string[],
  notes: string[],
  request: unknown,
): string {
  if (involved.length > 0) {
    return `${what} depends on conditions outside the verifiable subset (${involved.join(', ')}); the solver's candidate was not confirmed by the engine`;
  }
  notes.push(`verifier bug: the model and the engine disagree on ${what} for ${JSON.stringify(request)}`);
  return `verifier bug: the model and the engine disagree on ${what}; answer withheld`;
}
