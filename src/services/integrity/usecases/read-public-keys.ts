import type { LogDeps } from '../log-deps.js';

export interface PublicKeysView {
  readonly origin: string;
  /** The verifier keys that sign new checkpoints (two during a rotation). */
  readonly keys: readonly string[];
  /** Every verifier key that ever signed a checkpoint of this log, oldest first. */
  readonly allKeys: readonly string[];
}

/** The log's verifier keys (vkeys, docs/log-format.md §4). */
export async function readPublicKeys(deps: LogDeps): Promise<PublicKeysView> {
  const known = await deps.store.knownKeys();
  const all = [...new Set([...known, ...deps.identity.verifierKeys])];
  return { origin: deps.identity.origin, keys: deps.identity.verifierKeys, allKeys: all };
}
