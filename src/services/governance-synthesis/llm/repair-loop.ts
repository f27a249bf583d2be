/**
 * A language model as a synthesis provider: prompt from the constitution, then rounds of
 * candidate → parse → policy checker → invariants and scenarios, each failure shown back to the
 * model (the parse error, the checker's errors with their pointers, or the counterexample as
 * request JSON) until a candidate passes or the rounds run out. Running out fails with the last
 * problem, so a job names the counterexample the model never fixed.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../kernel/canonical-json.js';
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import { CandidateNotRepaired, type SynthesisFocus, type SynthesisProvider } from '../synthesis-provider.js';
import { type CandidateReport, checkCandidate } from '../usecases/check-candidate.js';
import { verifyCandidate } from '../usecases/verify-candidate.js';
import type { ChatMessage, ChatModel } from './chat-model.js';
import { constitutionPrompt } from './constitution-prompt.js';
import { readPolicySet } from './policy-set-schema.js';

export interface RepairLoopOptions {
  /** Model requests per candidate, first answer included (default 3). */
  readonly maxRounds: number;
  /** Called once per model call (the service counts requests in the resilient model instead). */
  readonly onRequest?: (provider: string) => void;
  /** The formal verifier: its counterexamples go back to the model too. */
  readonly verifier?: VerificationContract;
}

/**
 * The longest answer read, in characters (a policy set for the example constitution is some
 * 20 000): a longer one is refused unread, kept from the job's result and the PGC, and shown
 * back to the model only by its beginning.
 */
export const MAX_ANSWER_CHARS = 1_000_000;

/** What went wrong with an answer, in words the model can act on. */
function problemOf(report: CandidateReport & { readonly ok: boolean }): string | undefined {
  if (report.checkerDiagnostics.length > 0)
    return `The policy checker refused the set:\n${report.checkerDiagnostics
      .slice(0, 10)
      // The checker points into the policy list; the model wrote it under "policies".
      .map((d) => `- /policies${d.pointer}: ${d.message}`)
      .join('\n')}`;
  const counterexample = report.counterexamples[0];
  if (counterexample !== undefined)
    return `Invariant ${counterexample.invariantId} is violated: this request is decided ${counterexample.decision}, which the invariant forbids:\n${JSON.stringify(counterexample.request)}`;
  const unproved = (report.verification as { problems?: readonly string[] }).problems ?? [];
  if (unproved.length > 0)
    return `The formal verifier did not prove the invariants:\n${unproved.slice(0, 5).join('\n')}`;
  if (report.scenarios.failed.length > 0)
    return `These scenarios get the wrong decision:\n${report.scenarios.failed
      .slice(0, 10)
      .map((f) => `- ${f}`)
      .join('\n')}`;
  return undefined;
}

/** A provider that asks `model` and repairs its answers. */
export function repairingProvider(model: ChatModel, options: RepairLoopOptions): SynthesisProvider {
  return {
    name: model.provider,
    async synthesize(document: ConstitutionDocument, signal: AbortSignal, focus: SynthesisFocus = {}) {
      const messages: ChatMessage[] = constitutionPrompt(document, focus);
      const promptHash = createHash('sha256').update(canonicalJson(messages)).digest('hex');
      // Every refused answer, so that the job reports what was retried and why.
      const repairs: { round: number; problem: string }[] = [];
      let last = 'no answer';
      for (let round = 1; round <= options.maxRounds; round++) {
        options.onRequest?.(model.provider);
        const { text, unanswered } = await model.complete(messages, signal);
        const oversized = text.length > MAX_ANSWER_CHARS;
        messages.push({ role: 'assistant', content: oversized ? `${text.slice(0, 2000)}…` : text });
        let problem: string | undefined;
        try {
          if (oversized)
            throw new RangeError(
              `it is ${text.length} characters long, more than the ${MAX_ANSWER_CHARS} read; answer with the policy set alone`,
            );
          const policies = readPolicySet(text);
          const checked = checkCandidate(document, policies);
          const report =
            checked.ok && options.verifier !== undefined
              ? {
                  ...checked,
                  ...(await verifyCandidate(
                    options.verifier,
                    { hash: constitutionalHashOf(document).hash, document },
                    policies,
                    `round ${round}`,
                  )),
                }
              : checked;
          problem = problemOf(report);
          if (problem === undefined)
            return { policies, model: model.model, rounds: round, promptHash, report, repairs };
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          problem = `The answer is not a valid policy set (${unanswered === undefined ? why : `${unanswered}; ${why}`}). Answer with JSON following the schema.`;
        }
        last = problem;
        repairs.push({ round, problem });
        messages.push({
          role: 'user',
          content: `${problem}\nFix it and answer with the whole policy set again.`,
        });
      }
      throw new CandidateNotRepaired(
        `no valid candidate after ${options.maxRounds} rounds; last problem: ${last}`,
        repairs,
      );
    },
  };
}
