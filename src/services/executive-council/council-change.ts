/**
 * Whether a change-council proposal's content applies to the council as it stands
 * (docs/council.md §1). Checked when the proposal opens, so that members vote only on a change
 * that can be applied, and again when it is enacted (another change may have been enacted
 * meanwhile), so that a change is applied whole or not at all: nothing is skipped in silence.
 */
import type { FieldError } from '../../kernel/errors.js';
import type { MemberInput } from './member-input.js';
import type { CouncilStore, Tx } from './store.js';

/** The content of a change-council proposal, its shape already checked. */
export interface CouncilChange {
  readonly add: readonly MemberInput[];
  readonly remove: readonly string[];
  readonly reweight: readonly { readonly memberId: string; readonly weight: number }[];
}

/**
 * Every reason the change cannot apply, each as a pointer under `base`: an added id that was ever
 * used or is added twice, an added key that a member holds (one key speaks for one member) or that
 * is added twice, a removal or reweighting of someone who is not a seated member (or is removed by
 * the same change), the same member named twice, and a change that leaves nobody seated (nobody
 * could ever propose again).
 */
export async function councilChangeProblems(
  store: CouncilStore,
  tx: Tx,
  change: CouncilChange,
  base: string,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const seated = new Set((await store.members(tx)).map((m) => m.memberId));
  const addedIds = new Set<string>();
  const addedKeys = new Set<string>();
  for (const [i, member] of change.add.entries()) {
    if (addedIds.has(member.memberId) || (await store.memberIdTaken(member.memberId, tx)))
      errors.push({ pointer: `${base}/add/${i}/memberId`, detail: 'already taken (an id is never reused)' });
    if (addedKeys.has(member.publicKey) || (await store.publicKeyTaken(member.publicKey, tx)))
      errors.push({ pointer: `${base}/add/${i}/publicKey`, detail: 'another member holds this key' });
    addedIds.add(member.memberId);
    addedKeys.add(member.publicKey);
  }
  const removed = new Set<string>();
  for (const [i, memberId] of change.remove.entries()) {
    if (!seated.has(memberId) || removed.has(memberId))
      errors.push({ pointer: `${base}/remove/${i}`, detail: 'not a seated member, or named twice' });
    removed.add(memberId);
  }
  const reweighted = new Set<string>();
  for (const [i, { memberId }] of change.reweight.entries()) {
    if (!seated.has(memberId) || removed.has(memberId) || reweighted.has(memberId))
      errors.push({
        pointer: `${base}/reweight/${i}/memberId`,
        detail: 'not a seated member that this change keeps, or named twice',
      });
    reweighted.add(memberId);
  }
  if (change.add.length === 0 && [...seated].every((id) => removed.has(id)))
    errors.push({ pointer: `${base}/remove`, detail: 'the change would leave no member seated' });
  return errors;
}
