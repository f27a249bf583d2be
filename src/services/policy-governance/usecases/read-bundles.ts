import type { PublishedBundleKey } from '../bundle-signer.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { ActivePointer, BundleSummary, StoredBundle } from '../store.js';

/** A bundle as the API shows it: everything but the constitution document it was built for. */
export type BundleView = Omit<StoredBundle, 'constitution'>;

/** The active pointer and what this replica runs (null before it loaded a bundle). */
export interface ActiveBundleView extends ActivePointer {
  readonly replica: { readonly bundleId: string; readonly generation: number } | null;
}

/** The keys bundles are signed with, and what they sign. */
export interface BundleKeysView {
  readonly algorithm: 'Ed25519';
  readonly keyId: string;
  readonly publicKey: string;
  readonly message: string;
  /** Rotated keys too: each verifies the bundles that name it in `keyId`. */
  readonly keys: readonly PublishedBundleKey[];
}

export function bundleView(bundle: StoredBundle): BundleView {
  const { constitution: _constitution, ...rest } = bundle;
  return rest;
}

/** Bundles, newest first. */
export async function listBundles(
  deps: PgcDeps,
  limit: number,
): Promise<{ readonly bundles: readonly BundleSummary[] }> {
  return { bundles: await deps.store.bundles(limit) };
}

/** One bundle with its policies, or PGC_BUNDLE_NOT_FOUND. */
export async function readBundle(deps: PgcDeps, id: string): Promise<BundleView> {
  const bundle = await deps.store.bundle(id);
  if (bundle === undefined) throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${id}`);
  return bundleView(bundle);
}

/** The active bundle's pointer and this replica's, or PGC_NO_ACTIVE_BUNDLE before the first activation. */
export async function readActiveBundle(deps: PgcDeps): Promise<ActiveBundleView> {
  const pointer = await deps.store.active();
  if (pointer === undefined)
    throw pgcErrors.create('PGC_NO_ACTIVE_BUNDLE', 'no policy bundle has been activated yet');
  const running = deps.active.current;
  return {
    ...pointer,
    replica: running === undefined ? null : { bundleId: running.id, generation: running.generation },
  };
}

/** The bundle-signing keys (re-read, so a rotation by another replica shows at once). */
export async function readBundleKeys(deps: PgcDeps): Promise<BundleKeysView> {
  const signer = await deps.signer(true);
  return {
    algorithm: 'Ed25519',
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    message: 'acgs.pgc.bundle.v1\\n<bundle id>\\n',
    keys: signer.keys,
  };
}
