/**
 * Conflicts: two policies of different effects that can both count for one request. The stricter
 * effect wins (deny > review > allow); the witness shows such a request, confirmed by the engine.
 * A request already decided in this verification (the pool) where both counted saves the query.
 */
import type { Effect } from '../../../policy/index.js';
import type { EncodedPolicy } from '../smt/policy-set-encoder.js';
import type { VerificationSession } from '../smt/verification-session.js';
import type { VerificationModel } from '../verification-model.js';
import type { ConflictResult } from '../verification-report.js';
import { commonTargets, queryBySlice, slicesOf } from './action-pins.js';
import type { WitnessPool } from './witness-pool.js';
import { havocInvolved, unconfirmed } from './witness-replay.js';

const RANK: Record<Effect, number> = { allow: 1, review: 2, deny: 3 };

function targetsOverlap(a: EncodedPolicy, b: EncodedPolicy): boolean {
  const x = a.source.policy.target.actions;
  const y = b.source.policy.target.actions;
  return x.includes('*') || y.includes('*') || x.some((t) => y.includes(t));
}

export async function findConflicts(
  model: VerificationModel,
  session: VerificationSession,
  notes: string[],
  pool: WitnessPool,
  /** Which pairs (by policy index, i < j) to examine; default all. */
  include: (i: number, j: number) => boolean = () => true,
): Promise<ConflictResult[]> {
  const policies = model.current.encoded.policies;
  const out: ConflictResult[] = [];
  for (let i = 0; i < policies.length; i++) {
    for (let j = i + 1; j < policies.length; j++) {
      const a = policies[i]!;
      const b = policies[j]!;
      const ea = a.source.policy.effect;
      const eb = b.source.policy.effect;
      if (ea === eb || !targetsOverlap(a, b) || !include(i, j)) continue;
      const ids = [a.source.policy.id, b.source.policy.id] as const;
      const known = pool.allCounting(...ids);
      if (known !== undefined) {
        out.push({ policies: ids, effects: [ea, eb], winner: RANK[ea] > RANK[eb] ? ea : eb, witness: known });
        continue;
      }
      const types = commonTargets(a.source.policy.target.actions, b.source.policy.target.actions);
      const outcome = await queryBySlice(session, slicesOf(model.schema, model.actionTypes, types), () => [
        a.counted,
        b.counted,
      ]);
      if (outcome.status === 'unsat') continue;
      if (outcome.status === 'unknown') {
        notes.push(`conflict between ${ids[0]} and ${ids[1]} not settled: ${outcome.reason}`);
        continue;
      }
      const witness = pool.add(outcome.request);
      if (witness?.matched.includes(ids[0]) && witness.matched.includes(ids[1])) {
        out.push({ policies: ids, effects: [ea, eb], winner: RANK[ea] > RANK[eb] ? ea : eb, witness });
        continue;
      }
      const reason = unconfirmed(
        `the conflict between ${ids[0]} and ${ids[1]}`,
        havocInvolved([a, b], outcome.request),
        notes,
        outcome.request,
      );
      if (havocInvolved([a, b], outcome.request).length > 0) notes.push(reason);
    }
  }
  return out;
}
