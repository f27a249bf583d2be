import type { Policy } from '../../../policy/index.js';
import type { LoadedBundle } from '../active-bundle.js';
import { bundleIdOf } from '../bundle-content.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { StoredBundle } from '../store.js';

interface SyncState {
  running: Promise<LoadedBundle | undefined> | undefined;
  again: boolean;
}
const states = new WeakMap<PgcDeps, SyncState>();

/**
 * Makes this replica decide with the bundle the active pointer names: on start, on every
 * `policy.bundle.activated` event, and on a timer (in case an event was missed). Loads, verifies
 * and compiles the bundle before the swap; the swap itself is one reference assignment.
 */
export function syncActiveBundle(deps: PgcDeps): Promise<LoadedBundle | undefined> {
  let state = states.get(deps);
  if (state === undefined) {
    state = { running: undefined, again: false };
    states.set(deps, state);
  }
  const s = state;
  if (s.running !== undefined) {
    s.again = true;
    return s.running;
  }
  s.running = (async () => {
    try {
      let result: LoadedBundle | undefined;
      do {
        s.again = false;
        result = await syncOnce(deps);
      } while (s.again);
      return result;
    } finally {
      s.running = undefined;
    }
  })();
  return s.running;
}

async function syncOnce(deps: PgcDeps): Promise<LoadedBundle | undefined> {
  const pointer = await deps.store.active();
  if (pointer === undefined) return undefined;
  const current = deps.active.current;
  if (current !== undefined && current.generation >= pointer.generation) return current;
  const stored = await deps.store.bundle(pointer.bundleId);
  if (stored === undefined)
    throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `active bundle ${pointer.bundleId} is not stored`);
  const loaded = await verifiedAndCompiled(deps, stored);
  deps.active.install({ ...loaded, generation: pointer.generation });
  return deps.active.current;
}

/** The compiled bundle, after checking its signature with the PGC's key. */
export async function verifiedAndCompiled(deps: PgcDeps, stored: StoredBundle): Promise<LoadedBundle> {
  const cached = deps.bundles.get(stored.id);
  if (cached !== undefined) return cached;
  let signer = await deps.signer();
  if (!signer.knows(stored.keyId)) signer = await deps.signer(true); // rotated on another replica
  if (
    bundleIdOf(stored.policies as Policy[], stored.constitutionHash) !== stored.id ||
    !signer.verify(stored.id, stored.signature, stored.keyId)
  ) {
    throw pgcErrors.create(
      'PGC_BUNDLE_SIGNATURE_INVALID',
      `bundle ${stored.id} has a signature that does not verify`,
    );
  }
  return deps.bundles.compiled(stored);
}
