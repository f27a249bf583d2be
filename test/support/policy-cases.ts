/**
 * The policy-language semantics cases (test/cases/policy/*.yaml, OPA's `test/cases`): one reader
 * for every consumer — the engine tests (`src/policy/policy-cases.test.ts`), the CLI tests and
 * the fuzzers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Effect } from '../../src/policy/policy-model.js';
import type { DecisionRequest } from '../../src/policy/request-validator.js';

export const POLICY_CASES_DIR = fileURLToPath(new URL('../../../test/cases/policy/', import.meta.url));

/** One case: a request and what the engine must answer (or the field a request error names). */
export interface PolicyCase {
  readonly note?: string;
  readonly request: DecisionRequest;
  readonly decision?: Effect;
  readonly matched?: readonly string[];
  readonly errors?: readonly string[];
  readonly obligations?: readonly unknown[];
  readonly defaultApplied?: boolean;
  readonly requestError?: string;
}

/** A condition the checker must refuse with `code` (and a message matching `message`). */
export interface CheckErrorCase {
  readonly condition?: string;
  readonly conditionRepeat?: { unit: string; times: number; prefix: string; suffix: string };
  readonly code: string;
  readonly message?: string;
}

export interface PolicyCaseFile {
  /** The file's name in the cases directory. */
  readonly file: string;
  readonly note: string;
  /** The file's own vocabulary, or the shared `_vocabulary.yaml` (as written, not parsed). */
  readonly vocabulary: unknown;
  readonly defaultDecision: Effect;
  readonly policies?: readonly unknown[];
  readonly cases: readonly PolicyCase[];
  readonly checkErrors: readonly CheckErrorCase[];
}

/** The shared vocabulary document of the cases. */
export function sharedCaseVocabulary(): unknown {
  return parse(readFileSync(`${POLICY_CASES_DIR}_vocabulary.yaml`, 'utf8'));
}

/** Every case file, in name order. */
export function readPolicyCaseFiles(): PolicyCaseFile[] {
  const shared = sharedCaseVocabulary();
  return readdirSync(POLICY_CASES_DIR)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .sort()
    .map((file) => {
      const data = parse(readFileSync(POLICY_CASES_DIR + file, 'utf8')) as Partial<PolicyCaseFile>;
      return {
        file,
        note: data.note ?? '',
        vocabulary: data.vocabulary ?? shared,
        defaultDecision: data.defaultDecision ?? 'deny',
        ...(data.policies === undefined ? {} : { policies: data.policies }),
        cases: data.cases ?? [],
        checkErrors: data.checkErrors ?? [],
      };
    });
}
