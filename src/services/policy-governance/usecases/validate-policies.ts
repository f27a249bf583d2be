import type { FieldError } from '../../../kernel/errors.js';
import type { PolicyCheckEntry } from '../../../policy/index.js';
import type { PgcDeps } from '../pgc-deps.js';
import { activeVocabulary, checkAsFieldErrors } from './policy-diagnostics.js';

export interface ValidationReport {
  readonly ok: boolean;
  readonly constitutionHash: string;
  readonly errors: readonly FieldError[];
  readonly policies: readonly PolicyCheckEntry[];
}

/**
 * Checks policies (given, or every stored draft) against the active constitution's vocabulary
 * without storing anything: every error with its field and position, and per policy whether it
 * lies in the verifiable subset.
 */
export async function validatePolicies(
  deps: PgcDeps,
  policies: readonly unknown[] | undefined,
): Promise<ValidationReport> {
  const { version, vocabulary } = await activeVocabulary(deps);
  let input: readonly unknown[];
  let pointerOf: (index: number, rest: string) => string;
  if (policies !== undefined) {
    input = policies;
    pointerOf = (i, rest) => `/body/policies/${i}${rest}`;
  } else {
    const drafts = await deps.store.allDrafts();
    input = drafts.map((d) => d.policy);
    pointerOf = (i, rest) => `/drafts/${drafts[i]!.id}${rest}`;
  }
  const { report, errors } = checkAsFieldErrors(input, vocabulary, pointerOf);
  return { ok: report.ok, constitutionHash: version.hash, errors, policies: report.policies };
}
