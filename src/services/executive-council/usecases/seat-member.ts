/**
 * The admin bootstrap of the council: while no proposal has been opened, an admin seats members
 * one by one (each logged as `council.member.seated`). The first proposal ends the seating; from
 * then on membership changes only by an enacted `change-council` proposal.
 */
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import { COUNCIL_EVENTS, type MemberSeatedData } from '../council-events.js';
import { councilErrors } from '../errors.js';
import { type MemberInput, memberProblems } from '../member-input.js';
import type { Member } from '../store.js';

export async function seatMember(deps: CouncilDeps, input: MemberInput, by: string): Promise<Member> {
  const errors = memberProblems(input, '/body');
  if (errors.length > 0)
    throw councilErrors.create('COUNCIL_MEMBER_INVALID', `${errors[0]!.pointer}: ${errors[0]!.detail}`, {
      errors,
    });
  const nowMs = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const proposals = await tx.selectFrom('ec_proposals').select('id').limit(1).execute();
    if (proposals.length > 0) {
      throw councilErrors.create(
        'COUNCIL_ALREADY_SEATED',
        'the council has opened proposals; propose a change-council to change its membership',
      );
    }
    if (await deps.store.memberIdTaken(input.memberId, tx))
      throw councilErrors.create('COUNCIL_MEMBER_EXISTS', `member ${input.memberId} exists`, {
        errors: [{ pointer: '/body/memberId', detail: 'already taken' }],
      });
    // One key speaks for one member: a second seat for the same key would double its holder's weight.
    if (await deps.store.publicKeyTaken(input.publicKey, tx))
      throw councilErrors.create('COUNCIL_MEMBER_EXISTS', 'another member holds this public key', {
        errors: [{ pointer: '/body/publicKey', detail: 'another member holds this key' }],
      });
    const member = { ...input, seatedBy: by, seatedMs: nowMs };
    await deps.store.insertMember(tx, member);
    const data: MemberSeatedData = {
      memberId: input.memberId,
      publicKey: input.publicKey,
      weight: input.weight,
      seatedBy: by,
    };
    await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.memberSeated, data, nowMs), nowMs);
  });
  void deps.relay.flush();
  deps.logger.info({ memberId: input.memberId, weight: input.weight, by }, 'council member seated');
  return (await deps.store.member(input.memberId))!;
}
