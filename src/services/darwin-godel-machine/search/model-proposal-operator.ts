/**
 * The model-proposed change, through the Governance Synthesis service's PolicyChangeContract
 * when one is configured: the parent's policies and its training failures (their requests from
 * the mutation material, so never a held-out scenario) go to a language model, and the whole
 * set it answers is the child. It is data like any other child: validated, scored on the sample
 * and the training split, and proved by the formal verifier before it can be admissible. A model
 * that fails or answers no policy set yields no child (the search draws another operator).
 * The run stays reproducible only as far as the model answers the same prompt the same way.
 */
import { canonicalJson } from '../../../kernel/canonical-json.js';
import type { PolicyChangeContract } from '../../../kernel/contracts/synthesis.js';
import type { MutationOperator } from './operator.js';

/** How long one proposal may take before the operator gives up on it. */
const TIMEOUT_MS = 60_000;

export function modelProposalOperator(changes: PolicyChangeContract): MutationOperator {
  return {
    id: 'model-proposal',
    async apply(input) {
      const failures = input.failures.flatMap((f) => {
        const request = input.material.training.get(f.key);
        return request === undefined ? [] : [{ request, expected: f.expected, got: f.got }];
      });
      try {
        const proposal = await changes.proposeChange(
          { constitutionHash: input.constitutionHash, policies: input.policies, failures },
          AbortSignal.timeout(TIMEOUT_MS),
        );
        return {
          policies: proposal.policies,
          note: `${summary(input.policies, proposal.policies)} (${proposal.provider} ${proposal.model})`,
        };
      } catch {
        return undefined;
      }
    },
  };
}

/** Which policy ids the model added, removed or changed. */
function summary(before: readonly { readonly id: string }[], after: readonly unknown[]): string {
  const old = new Map(before.map((p) => [p.id, canonicalJson(p)]));
  const ids = after.map((p) => String((p as { id?: unknown } | null)?.id ?? '?'));
  const added = ids.filter((id) => !old.has(id));
  const removed = [...old.keys()].filter((id) => !ids.includes(id));
  const changed = ids.filter((id, i) => old.has(id) && old.get(id) !== canonicalJson(after[i]));
  const parts = [
    added.length > 0 ? `added ${added.join(', ')}` : '',
    removed.length > 0 ? `removed ${removed.join(', ')}` : '',
    changed.length > 0 ? `changed ${changed.join(', ')}` : '',
  ].filter((x) => x !== '');
  return `model proposal: ${parts.length === 0 ? 'no change' : parts.join('; ')}`;
}
