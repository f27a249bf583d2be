/**
 * Impact of a change: which decisions differ between the previous and the current policy set.
 * A change towards a stricter decision (allow → review → deny) narrows, the reverse widens.
 * The classification is only `narrowing` (or `equivalent`) when every widening (and every
 * change) is ruled out by the solver; an unsettled pair makes it `unknown`.
 */
import type { Effect } from '../../../policy/index.js';
import { DECISION_CODE } from '../smt/policy-set-encoder.js';
import type { VerificationSession } from '../smt/verification-session.js';
import type { VerificationModel } from '../verification-model.js';
import type { ChangeKind, DecisionChange, ImpactReport } from '../verification-report.js';
import { decisionIn, queryBySlice, slicesOf } from './action-pins.js';
import { havocInvolved, replay, unconfirmed } from './witness-replay.js';

const RANK: Record<Effect, number> = { allow: 1, review: 2, deny: 3 };
const EFFECTS: readonly Effect[] = ['allow', 'review', 'deny'];

export async function analyzeImpact(
  model: VerificationModel,
  session: VerificationSession,
  notes: string[],
): Promise<ImpactReport | undefined> {
  const previous = model.previous;
  if (previous === undefined) return undefined;
  const current = model.current;
  const changes: DecisionChange[] = [];
  const unknown: { from: Effect; to: Effect; reason: string }[] = [];
  const slices = slicesOf(model.schema, model.actionTypes, undefined);
  for (const from of EFFECTS) {
    for (const to of EFFECTS) {
      if (from === to) continue;
      const kind: ChangeKind = RANK[to] > RANK[from] ? 'narrowing' : 'widening';
      const outcome = await queryBySlice(session, slices, ({ type }) => [
        `(= ${decisionIn(previous.encoded, type)} ${DECISION_CODE[from]})`,
        `(= ${decisionIn(current.encoded, type)} ${DECISION_CODE[to]})`,
      ]);
      if (outcome.status === 'unsat') continue;
      if (outcome.status === 'unknown') {
        unknown.push({ from, to, reason: outcome.reason });
        continue;
      }
      const a = replay(previous.engine, outcome.request);
      const b = replay(current.engine, outcome.request);
      if (a !== undefined && b !== undefined && a.decision === from && b.decision === to) {
        changes.push({ from, to, kind, example: a.request });
        continue;
      }
      const involved = [
        ...havocInvolved(previous.encoded.policies, outcome.request),
        ...havocInvolved(current.encoded.policies, outcome.request),
      ];
      unknown.push({
        from,
        to,
        reason: unconfirmed(`a change ${from} → ${to}`, involved, notes, outcome.request),
      });
    }
  }
  const kinds = new Set(changes.map((c) => c.kind));
  const open = new Set(unknown.map((u) => (RANK[u.to] > RANK[u.from] ? 'narrowing' : 'widening')));
  let classification: ImpactReport['classification'];
  if (kinds.size === 2) classification = 'mixed';
  else if ([...open].some((k) => !kinds.has(k))) classification = 'unknown';
  else if (kinds.size === 0) classification = 'equivalent';
  else classification = [...kinds][0]!;
  return { classification, changes, unknown };
}
