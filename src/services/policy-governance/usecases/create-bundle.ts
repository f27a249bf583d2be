import { bundleIdOf, normalizePolicies } from '../bundle-content.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { StoredBundle } from '../store.js';
import { activeVocabulary, checkAsFieldErrors, policyInvalid } from './policy-diagnostics.js';

export interface CreateBundleInput {
  /** The policy set; every stored draft when absent. */
  readonly policies?: readonly unknown[];
  /** Scenario suites to pin for activation; every suite of the constitution when absent. */
  readonly suites?: readonly string[];
  /** Where the policies came from, kept with the bundle (the first bundling of a content keeps its own). */
  readonly provenance?: Readonly<Record<string, unknown>>;
}

export interface CreatedBundle {
  readonly bundle: StoredBundle;
  /** False when the same content was bundled before (same id): the stored bundle is returned. */
  readonly created: boolean;
}

/**
 * Snapshots a policy set against the active constitution: checks it (type errors with their
 * positions), normalizes it, derives the content address and signs it. Immutable once stored.
 */
export async function createBundle(
  deps: PgcDeps,
  input: CreateBundleInput,
  by: string,
): Promise<CreatedBundle> {
  const { version, vocabulary } = await activeVocabulary(deps);
  let policies: readonly unknown[];
  let pointerOf: (index: number, rest: string) => string;
  if (input.policies !== undefined) {
    policies = input.policies;
    pointerOf = (i, rest) => `/body/policies/${i}${rest}`;
  } else {
    const drafts = await deps.store.allDrafts();
    policies = drafts.map((d) => d.policy);
    pointerOf = (i, rest) => `/drafts/${drafts[i]!.id}${rest}`;
  }
  if (policies.length === 0) {
    throw pgcErrors.create(
      'PGC_BUNDLE_EMPTY',
      'a bundle needs at least one policy (no policies given and no drafts stored)',
      {
        errors: [{ pointer: '/body/policies', detail: 'must hold at least one policy' }],
      },
    );
  }
  const { report, errors } = checkAsFieldErrors(policies, vocabulary, pointerOf);
  if (!report.ok) throw policyInvalid(errors);
  const suiteIds = version.document.scenarioSuites.map((s) => s.id);
  const suites = input.suites ?? suiteIds;
  const unknown = suites.filter((s) => !suiteIds.includes(s));
  if (unknown.length > 0) {
    throw pgcErrors.create(
      'PGC_SUITE_NOT_FOUND',
      `no scenario suite ${unknown.join(', ')} in constitution ${version.short}`,
      {
        errors: unknown.map((s) => ({
          pointer: `/body/suites/${suites.indexOf(s)}`,
          detail: `no such suite; the constitution has ${suiteIds.join(', ')}`,
        })),
      },
    );
  }
  const normalized = normalizePolicies(policies, '/body/policies');
  const id = bundleIdOf(normalized, version.hash);
  const existing = await deps.store.bundle(id);
  if (existing !== undefined) return { bundle: existing, created: false };
  // Read the keys again: creating bundles is rare, and another replica may have rotated.
  const signer = await deps.signer(true);
  const now = deps.clock.now();
  const bundle: StoredBundle = {
    id,
    constitutionHash: version.hash,
    constitution: version.document,
    policies: normalized,
    suites: [...new Set(suites)].sort(),
    signature: signer.sign(id),
    keyId: signer.keyId,
    createdAt: new Date(now).toISOString(),
    createdBy: by,
    ...(input.provenance === undefined ? {} : { provenance: input.provenance }),
  };
  await deps.store.insertBundle(bundle, now);
  return { bundle: (await deps.store.bundle(id))!, created: true };
}
