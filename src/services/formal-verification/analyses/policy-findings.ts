/**
 * Dead policies (count for no valid request) and shadowed policies (removing them changes no
 * decision). Both are claims that something can never happen, so they are reported only on the
 * solver's `unsat`; a policy shown alive or decisive is confirmed by the engine first.
 *
 * One question settles most policies: "does removing p change some decision?" A request where it
 * does is one where p counts, so a confirmed `sat` answers both; only on `unsat` (or `unknown`)
 * is "can p count at all?" asked to tell dead from shadowed. Requests already decided in this
 * verification (the pool) are tried first.
 */
import type { QueryOutcome, VerificationSession } from '../smt/verification-session.js';
import type { VerificationModel } from '../verification-model.js';
import type { PolicyFinding } from '../verification-report.js';
import { commonTargets, decisionIn, queryBySlice, slicesOf } from './action-pins.js';
import type { WitnessPool } from './witness-pool.js';
import { havocInvolved, unconfirmed } from './witness-replay.js';

export async function findDeadAndShadowed(
  model: VerificationModel,
  session: VerificationSession,
  notes: string[],
  pool: WitnessPool,
  /** Which policies (by index) to examine; default all. */
  include: (index: number) => boolean = () => true,
): Promise<PolicyFinding[]> {
  const { encoded } = model.current;
  const findings: PolicyFinding[] = [];
  for (const [index, p] of encoded.policies.entries()) {
    const id = p.source.policy.id;
    if (!include(index)) continue;
    if (pool.decisiveFor(id) !== undefined) continue;
    const slices = slicesOf(model.schema, model.actionTypes, commonTargets(p.source.policy.target.actions));
    const changes = await queryBySlice(session, slices, ({ type }) => [
      `(distinct ${decisionIn(encoded, type)} ${decisionIn(encoded, type, p)})`,
    ]);
    if (changes.status === 'sat') {
      const w = pool.add(changes.request);
      if (w?.matched.includes(id) && pool.decisionWithout(w, id) !== w.decision) continue;
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
      continue;
    }
    // Not decisive anywhere (or not settled): can p count at all?
    const alive: QueryOutcome = pool.allCounting(id)
      ? { status: 'sat', request: pool.allCounting(id)!.request }
      : await queryBySlice(session, slices, () => [p.counted]);
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
    const w = pool.add(alive.request);
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
    if (changes.status === 'unsat') {
      findings.push({ policyId: id, status: 'shadowed', reason: 'removing this policy changes no decision' });
      continue;
    }
    findings.push({
      policyId: id,
      status: 'unknown',
      reason: `whether the policy changes any decision: ${changes.reason}`,
    });
  }
  return findings;
}
