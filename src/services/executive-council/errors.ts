/** The Executive Council's error catalogue (codes `COUNCIL_*` and `REVIEW_*`; docs/council.md §9). */
import { defineErrors } from '../../kernel/errors.js';

export const councilErrors = defineErrors({
  COUNCIL_ALREADY_SEATED: {
    status: 409,
    title: 'The council is seated; membership changes only by a change-council proposal',
  },
  COUNCIL_NOT_SEATED: { status: 409, title: 'No council is seated yet' },
  COUNCIL_MEMBER_EXISTS: { status: 409, title: 'A member with this id exists' },
  COUNCIL_MEMBER_INVALID: { status: 400, title: 'The member is not valid' },
  COUNCIL_PROPOSAL_INVALID: { status: 400, title: 'The proposal is not valid' },
  COUNCIL_PROPOSAL_NOT_FOUND: { status: 404, title: 'No such proposal' },
  COUNCIL_PROPOSAL_CLOSED: { status: 409, title: 'The proposal is no longer open' },
  COUNCIL_AMENDMENT_PUBLISHED: {
    status: 409,
    title: 'The amended text is already a published constitution version',
  },
  COUNCIL_KIND_UNAVAILABLE: { status: 422, title: 'This kind of proposal cannot be made yet' },
  COUNCIL_NARROWING_UNPROVED: {
    status: 422,
    title: 'The change is not proved to be narrowing',
  },
  COUNCIL_NOT_PROPOSER: { status: 403, title: 'Only the proposer may cancel a proposal' },
  COUNCIL_VOTE_SIGNATURE_INVALID: { status: 400, title: 'The vote signature does not verify' },
  COUNCIL_VOTE_CONTENT_MISMATCH: {
    status: 409,
    title: 'The vote is for other content than the proposal binds',
  },
  COUNCIL_VOTER_NOT_ELIGIBLE: { status: 403, title: 'The voter may not vote on this proposal' },
  COUNCIL_VOTE_REPLAYED: { status: 409, title: 'The vote was already recorded or is older than the last' },
  COUNCIL_VOTE_STALE: { status: 400, title: "The vote's time is too far from the server's" },
  REVIEW_TASK_NOT_FOUND: { status: 404, title: 'No such review task' },
  REVIEW_TASK_CLAIMED: { status: 409, title: 'Another reviewer holds the task' },
  REVIEW_TASK_NOT_CLAIMED: { status: 409, title: 'Claim the task before resolving it' },
  REVIEW_TASK_RESOLVED: { status: 409, title: 'The task is already resolved' },
  REVIEW_TASK_OVERDUE: { status: 409, title: 'The task is past its deadline and can no longer be claimed' },
});

export type CouncilErrorCode = keyof typeof councilErrors.specs;
