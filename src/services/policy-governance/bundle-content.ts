/**
 * A bundle's content and id: the policies normalized (defaults filled in, sorted by id) and the
 * hash of the constitution version they target. Id = SHA-256 over the RFC 8785 canonical JSON of
 * `{ constitutionHash, policies }`, so the same set for the same constitution is the same bundle.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../kernel/canonical-json.js';
import type { FieldError } from '../../kernel/errors.js';
import { type Policy, validatePolicyObject } from '../../policy/index.js';
import { pgcErrors } from './errors.js';

/** Validates the shape of each policy and returns them normalized and sorted by id. */
export function normalizePolicies(input: readonly unknown[], pointerBase: string): Policy[] {
  const errors: FieldError[] = [];
  const policies: Policy[] = [];
  input.forEach((item, index) => {
    const result = validatePolicyObject(item, `${pointerBase}/${index}`);
    for (const e of result.errors) errors.push({ pointer: e.pointer, detail: e.message });
    if (result.policy !== undefined) policies.push(result.policy);
  });
  if (errors.length > 0) {
    throw pgcErrors.create('PGC_POLICY_INVALID', `${errors.length} policy error(s): ${errors[0]!.detail}`, {
      errors,
    });
  }
  return policies.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function bundleIdOf(policies: readonly Policy[], constitutionHash: string): string {
  return createHash('sha256').update(canonicalJson({ constitutionHash, policies })).digest('hex');
}
