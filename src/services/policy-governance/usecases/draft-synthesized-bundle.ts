/**
 * A synthesized policy set handed over by the synthesis service: bundled like any other set
 * (checked against the active constitution, normalized, content-addressed, signed, not active)
 * and kept with its provenance, so whoever proposes or activates it sees where it came from.
 */
import type { DraftBundleRequest, DraftBundleSummary } from '../../../kernel/contracts/policy-governance.js';
import type { PgcDeps } from '../pgc-deps.js';
import { createBundle } from './create-bundle.js';

export async function draftSynthesizedBundle(
  deps: PgcDeps,
  request: DraftBundleRequest,
  by: string,
): Promise<DraftBundleSummary> {
  const { bundle, created } = await createBundle(
    deps,
    { policies: request.policies, provenance: request.provenance },
    by,
  );
  return { bundleId: bundle.id, constitutionHash: bundle.constitutionHash, created };
}
