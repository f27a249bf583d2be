/** What the council's routes share: path parameters and the lookups that answer 404 when nothing is found. */
import { Type } from '@sinclair/typebox';
import type { CouncilDeps } from '../council-deps.js';
import { councilErrors } from '../errors.js';
import type { Proposal, ReviewTask } from '../store.js';

export const ProposalId = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const DecisionId = Type.Object({
  decisionId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
});

/** The proposal, or 404 COUNCIL_PROPOSAL_NOT_FOUND. */
export async function proposalOr404(deps: CouncilDeps, id: string): Promise<Proposal> {
  const proposal = await deps.store.proposal(id);
  if (proposal === undefined) throw councilErrors.create('COUNCIL_PROPOSAL_NOT_FOUND', `no proposal ${id}`);
  return proposal;
}

/** The review task of a decision, or 404 REVIEW_TASK_NOT_FOUND. */
export async function taskOr404(deps: CouncilDeps, decisionId: string): Promise<ReviewTask> {
  const task = await deps.store.task(decisionId);
  if (task === undefined)
    throw councilErrors.create('REVIEW_TASK_NOT_FOUND', `no review task for decision ${decisionId}`);
  return task;
}
