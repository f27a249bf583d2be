/** Policy check diagnostics as problem+json field errors, with positions inside the condition. */
import type { FieldError } from '../../../kernel/errors.js';
import {
  checkPolicies,
  type PolicyCheckReport,
  parseVocabulary,
  type Vocabulary,
} from '../../../policy/index.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';

/** The active constitution's vocabulary and hash; PGC_NO_CONSTITUTION before the first version. */
export async function activeVocabulary(deps: PgcDeps) {
  const version = await deps.constitution.activeVersion();
  if (version === undefined) {
    throw pgcErrors.create(
      'PGC_NO_CONSTITUTION',
      'publish a constitution before checking policies against it',
    );
  }
  return { version, vocabulary: parseVocabulary(version.document.vocabulary) };
}

/**
 * Checks `policies` and maps each diagnostic's pointer (`/<index>/...`) through `pointerOf`.
 * `location` is the line and column inside the condition text for CEL errors.
 */
export function checkAsFieldErrors(
  policies: readonly unknown[],
  vocabulary: Vocabulary,
  pointerOf: (index: number, rest: string) => string,
): { report: PolicyCheckReport; errors: FieldError[] } {
  const report = checkPolicies(policies, vocabulary);
  const errors = report.diagnostics.map((d): FieldError => {
    const match = /^\/(\d+)(.*)$/.exec(d.pointer);
    const pointer = match === null ? d.pointer : pointerOf(Number(match[1]), match[2]!);
    return { pointer, detail: d.message, ...(d.location === undefined ? {} : { location: d.location }) };
  });
  return { report, errors };
}

export function policyInvalid(errors: readonly FieldError[]) {
  return pgcErrors.create(
    'PGC_POLICY_INVALID',
    `${errors.length} error(s): ${errors[0]!.pointer}: ${errors[0]!.detail}`,
    {
      errors,
      ...(errors[0]!.location === undefined ? {} : { location: errors[0]!.location }),
    },
  );
}
