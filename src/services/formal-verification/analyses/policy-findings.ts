/**
 * Dead policies (count for no valid request) and shadowed policies (removing them changes no
 * decision). Both are claims that something can never happen, so they are reported only on the
 * solver's `unsat`; a policy the solver shows alive is confirmed by the engine first.
 */
import { compilePolicySet } from '../../../policy/index.js';
import { DECISION_CODE } from '../smt/policy-set-encoder.js';
import { app, ite } from '../smt/smt-text.js';
import type { VerificationSession } from '../smt/verification-session.js';
import type { VerificationModel } from '../verification-model.js';
import type { PolicyFinding } from '../verification-report.js';
import { commonTargets, queryByType } from './action-pins.js';
import { havocInvolved, replay, unconfirmed } from './witness-replay.js';

export async function findDeadAndShadowed(
  model: VerificationModel,
  session: VerificationSession,
  notes: string[],
): Promise<PolicyFinding[]> {
  const { encoded, engine, checked } = model.current;
  const findings: PolicyFinding[] = [];
  for (const p of encoded.policies) {
    const id = p.source.policy.id;
    const types = commonTargets(p.source.policy.target.actions);
    const alive = await queryByType(session, model.schema, types, [p.counted]);
    if (alive.status === 'unsat') {
      findings.push({ policyId: id, status: 'dead', reason: 'no valid request makes this policy count' });
      continue;
    }
    if (alive.status === 'unknown') {
      findings.push({
        policyId: id,
        status: 'unknown',
        reason: `whether the policy can ever count: ${alive.reason}`,
      });
      continue;
    }
    const w = replay(engine, alive.request);
    if (w === undefined || !w.matched.includes(id)) {
      findings.push({
        policyId: id,
        status: 'unknown',
        reason: unconfirmed(
          `whether ${id} can count`,
          havocInvolved([p], alive.request),
          notes,
          alive.request,
        ),
      });
      continue;
    }
    // The decision without p: only the disjunction of p's effect changes.
    const others = encoded.policies.filter(
      (q) => q !== p && q.source.policy.effect === p.source.policy.effect,
    );
    const without = { ...encoded.any, [p.source.policy.effect]: app('or', ...others.map((q) => q.counted)) };
    const decisionWithout = ite(
      without.deny,
      `${DECISION_CODE.deny}`,
      ite(
        without.review,
        `${DECISION_CODE.review}`,
        ite(without.allow, `${DECISION_CODE.allow}`, `${DECISION_CODE[encoded.defaultDecision]}`),
      ),
    );
    const changes = await queryByType(session, model.schema, types, [
      `(distinct ${encoded.decision} ${decisionWithout})`,
    ]);
    if (changes.status === 'unsat') {
      findings.push({ policyId: id, status: 'shadowed', reason: 'removing this policy changes no decision' });
      continue;
    }
    if (changes.status === 'unknown') {
      findings.push({
        policyId: id,
        status: 'unknown',
        reason: `whether the policy changes any decision: ${changes.reason}`,
      });
      continue;
    }
    const reduced = compilePolicySet(
      checked.filter((c) => c.policy.id !== id).map((c) => c.policy),
      model.vocabulary,
      { defaultDecision: model.defaultDecision },
    );
    const a = replay(engine, changes.request);
    const b = replay(reduced, changes.request);
    if (a === undefined || b === undefined || a.decision === b.decision) {
      findings.push({
        policyId: id,
        status: 'unknown',
        reason: unconfirmed(
          `whether ${id} changes a decision`,
          havocInvolved(encoded.policies, changes.request),
          notes,
          changes.request,
        ),
      });
    }
  }
  return findings;
}
