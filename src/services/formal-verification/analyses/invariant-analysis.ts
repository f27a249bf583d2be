/**
 * Invariants: for every request where `when` holds (or fails: fail-closed), the combined decision
 * is not in `forbid`. `proved` when the solver shows no valid request breaks it; `violated` with
 * an engine-confirmed counterexample; otherwise `unknown` with the reason.
 */
import { DECISION_CODE } from '../smt/policy-set-encoder.js';
import { app } from '../smt/smt-text.js';
import type { VerificationSession } from '../smt/verification-session.js';
import type { VerificationModel } from '../verification-model.js';
import type { InvariantResult } from '../verification-report.js';
import { decisionIn, pinnedTypes, queryBySlice, slicesOf } from './action-pins.js';
import type { WitnessPool } from './witness-pool.js';
import { havocInvolved, replay, unconfirmed } from './witness-replay.js';

export async function checkInvariants(
  model: VerificationModel,
  session: VerificationSession,
  notes: string[],
  pool?: WitnessPool,
  /** Which invariants (by index) to check; default all. */
  include: (index: number) => boolean = () => true,
): Promise<InvariantResult[]> {
  const { current } = model;
  const results: InvariantResult[] = [];
  for (const [index, inv] of model.invariants.entries()) {
    if (!include(index)) continue;
    const { spec } = inv;
    const base = { id: spec.id, principleId: spec.principleId, forbid: [...spec.forbid] };
    // Only the action types the invariant can hold for, each with the policies of that type.
    const slices = slicesOf(model.schema, model.actionTypes, pinnedTypes(inv.encoded.source.checked.ast));
    const outcome = await queryBySlice(session, slices, ({ type }) => [
      inv.encoded.counted,
      app('or', ...spec.forbid.map((d) => `(= ${decisionIn(current.encoded, type)} ${DECISION_CODE[d]})`)),
    ]);
    if (outcome.status === 'unsat') {
      results.push({ ...base, status: 'proved' });
      continue;
    }
    if (outcome.status === 'unknown') {
      results.push({ ...base, status: 'unknown', reason: outcome.reason });
      continue;
    }
    const witness = pool?.add(outcome.request) ?? replay(current.engine, outcome.request);
    if (witness !== undefined && inv.applies(witness.request) && spec.forbid.includes(witness.decision)) {
      results.push({ ...base, status: 'violated', reason: spec.reason, counterexample: witness });
      continue;
    }
    const involved = havocInvolved(current.encoded.policies, outcome.request);
    if (inv.encoded.havoc !== undefined) involved.push(`the invariant's when`);
    results.push({
      ...base,
      status: 'unknown',
      reason: unconfirmed(`invariant ${spec.id}`, involved, notes, outcome.request),
    });
  }
  return results;
}
