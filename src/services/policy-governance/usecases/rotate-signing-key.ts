/**
 * Rotates the bundle-signing key: a new Ed25519 key signs every bundle created from now on; the
 * earlier keys stay published and keep verifying the bundles they signed (each bundle names its
 * key). Replicas read the new key when they next create a bundle, or when they meet a bundle
 * signed with it. `policy.signing-key.rotated` goes on the bus (and so into the log).
 */

import { EVENT_TYPES } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import { generateBundleKey, type PublishedBundleKey } from '../bundle-signer.js';
import type { PgcDeps } from '../pgc-deps.js';

export interface RotatedKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly previousKeyId: string;
  /** Every key, newest first. */
  readonly keys: readonly PublishedBundleKey[];
}

export async function rotateSigningKey(deps: PgcDeps, by: string): Promise<RotatedKey> {
  const previous = await deps.signer(true);
  const now = deps.clock.now();
  const key = generateBundleKey();
  await deps.store.addSigningKey(key, now);
  const signer = await deps.signer(true);
  try {
    await deps.bus.publish({
      id: newId(now),
      type: EVENT_TYPES.policySigningKeyRotated,
      source: 'pgc',
      time: new Date(now).toISOString(),
      data: {
        keyId: signer.keyId,
        publicKey: signer.publicKey,
        previousKeyId: previous.keyId,
        rotatedBy: by,
      },
    });
  } catch (error) {
    // The key is stored and in use; the public-key route shows it either way.
    deps.logger.warn({ err: error, keyId: signer.keyId }, 'policy.signing-key.rotated not published');
  }
  return {
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    previousKeyId: previous.keyId,
    keys: signer.keys,
  };
}
