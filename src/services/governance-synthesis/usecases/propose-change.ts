/**
 * A model's change to a policy set, for the Darwin Gödel Machine's `model-proposal` operator:
 * the constitution (principles, invariants, vocabulary — no scenarios, so nothing of the
 * search's held-out split), the set as it is and the training scenarios it decides wrongly; the
 * model answers with the whole changed set. One request, no repair round: the evolution search
 * judges the answer itself (validation, scoring, the formal verifier), like any other child.
 */
import type { ConstitutionContract } from '../../../kernel/contracts/constitution.js';
import type {
  ChangeProposal,
  ChangeRequest,
  PolicyChangeContract,
} from '../../../kernel/contracts/synthesis.js';
import { synthesisErrors } from '../errors.js';
import type { ChatModel } from '../llm/chat-model.js';
import { constitutionPrompt } from '../llm/constitution-prompt.js';
import { readPolicySet } from '../llm/policy-set-schema.js';

/** At most this many failures go into one prompt. */
const MAX_FAILURES = 20;

export function modelChangeProposer(
  model: ChatModel,
  constitution: ConstitutionContract,
): PolicyChangeContract {
  return {
    async proposeChange(request: ChangeRequest, signal: AbortSignal): Promise<ChangeProposal> {
      const version = await constitution.activeVersion();
      if (version === undefined || version.hash !== request.constitutionHash)
        throw synthesisErrors.create(
          'SYNTHESIS_CONSTITUTION_MISMATCH',
          'the change is asked for a constitution version that is not the active one',
        );
      const [system, user] = constitutionPrompt(version.document, { scenarios: false });
      const failures = request.failures
        .slice(0, MAX_FAILURES)
        .map((f) => `- ${JSON.stringify(f.request)} → expected ${f.expected}, decided ${f.got}`);
      const answer = await model.complete(
        [
          system!,
          {
            role: 'user',
            content: [
              user!.content,
              '# The policy set now',
              JSON.stringify({ policies: request.policies }),
              '# Requests it decides wrongly',
              ...failures,
              'Change the set so that it decides more of these as expected and still satisfies every invariant. Answer with the whole changed set.',
            ].join('\n'),
          },
        ],
        signal,
      );
      // The set was shown with its obligations: a changed set may carry them on.
      const policies = readPolicySet(answer.text, { keepServiceFields: true });
      return { policies, provider: model.provider, model: model.model };
    },
  };
}
