/**
 * A variant is data only: a list of policies in the policy model (no other field is accepted),
 * normalized and sorted by id. Its id in the platform is the bundle id the PGC would give the
 * same set for the same constitution — SHA-256 over the RFC 8785 canonical JSON of
 * `{ constitutionHash, policies }` — so an adopted variant and its later bundle are one hash.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../kernel/canonical-json.js';
import { type Policy, validatePolicyObject } from '../../../policy/index.js';

export type VariantPolicies = readonly Policy[];

/** Validates and normalizes a set; returns the problems (JSON pointers) when it is not a policy set. */
export function normalizeVariant(
  input: readonly unknown[],
): { readonly policies: VariantPolicies } | { readonly problems: readonly string[] } {
  const problems: string[] = [];
  const policies: Policy[] = [];
  input.forEach((item, index) => {
    const result = validatePolicyObject(item, `/${index}`);
    for (const e of result.errors) problems.push(`${e.pointer}: ${e.message}`);
    if (result.policy !== undefined) policies.push(result.policy);
  });
  const ids = new Set<string>();
  for (const p of policies) {
    if (ids.has(p.id)) problems.push(`policy id ${p.id} appears twice`);
    ids.add(p.id);
  }
  if (problems.length > 0) return { problems };
  return { policies: policies.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

/** The bundle id of `policies` (normalized) for the constitution `constitutionHash`. */
export function variantBundleId(policies: VariantPolicies, constitutionHash: string): string {
  return createHash('sha256').update(canonicalJson({ constitutionHash, policies })).digest('hex');
}

/** Replaces, adds or removes policies by id and returns the set sorted again. */
export function editPolicies(
  policies: VariantPolicies,
  changes: { readonly remove?: readonly string[]; readonly put?: readonly Policy[] },
): VariantPolicies {
  const drop = new Set([...(changes.remove ?? []), ...(changes.put ?? []).map((p) => p.id)]);
  return [...policies.filter((p) => !drop.has(p.id)), ...(changes.put ?? [])].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

/** A policy id derived from another that stays within the id rules (128 characters). */
export function derivedId(from: string, suffix: string): string {
  return `${from.slice(0, 100)}.${suffix}`;
}
