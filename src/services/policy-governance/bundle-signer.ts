/**
 * Bundle signatures: Ed25519 over `acgs.pgc.bundle.v1\n<bundle id>\n` (the id is the SHA-256
 * of the bundle's canonical content, so the signature covers the policies and the targeted
 * constitution hash). The keys are the PGC's own: the first replica generates one and stores it in
 * the PGC's database; a rotation adds a newer one, which signs from then on while the earlier
 * ones keep verifying their bundles. Anyone can verify with the public keys served at
 * `GET /api/v1/policies/bundles/public-key` (docs/enforcement.md).
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { openSecret, sealSecret } from '../../kit/secret-envelope.js';
import type { PgcStore, StoredSigningKey } from './store.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function bundleSigningMessage(bundleId: string): Buffer {
  return Buffer.from(`acgs.pgc.bundle.v1\n${bundleId}\n`, 'utf8');
}

/** Verifies a bundle signature (base64) with a raw 32-byte Ed25519 public key (base64). */
export function verifyBundleSignature(bundleId: string, signature: string, publicKeyBase64: string): boolean {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32) return false;
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, bundleSigningMessage(bundleId), key, Buffer.from(signature, 'base64'));
}

/** A public signing key as published at `GET /api/v1/policies/bundles/public-key`. */
export interface PublishedBundleKey {
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  readonly publicKey: string;
  readonly createdAt: string;
}

/**
 * The PGC's bundle keys as stored when opened: the newest signs; every key, rotated ones
 * included, verifies the bundles signed with it (a bundle names its key by `keyId`).
 */
export class BundleSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    /** Raw 32-byte public key of the signing key, base64. */
    readonly publicKey: string,
    /** First 16 hex digits of SHA-256 over the raw public key. */
    readonly keyId: string,
    /** Every key, newest first. */
    readonly keys: readonly PublishedBundleKey[],
  ) {}

  /** Loads the stored keys, creating the first on first use (replicas racing agree on the first stored). */
  static async open(store: PgcStore, nowMs: number): Promise<BundleSigner> {
    let stored = await store.signingKeys();
    if (stored.length === 0) {
      await store.ensureSigningKey(generateBundleKey(), nowMs);
      stored = await store.signingKeys();
    }
    const newest = stored[0]!;
    const privateKey = createPrivateKey({
      key: Buffer.from(openSecret(newest.privateKey), 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    const keys = stored.map(({ keyId, publicKey, createdAt }) => ({ keyId, publicKey, createdAt }));
    return new BundleSigner(privateKey, newest.publicKey, newest.keyId, keys);
  }

  sign(bundleId: string): string {
    return sign(null, bundleSigningMessage(bundleId), this.privateKey).toString('base64');
  }

  /** Whether this signer holds the key `keyId` (a newer one may have been added since it opened). */
  knows(keyId: string): boolean {
    return this.keys.some((key) => key.keyId === keyId);
  }

  /** Verifies a bundle's signature with the key it names; false for a key this signer does not hold. */
  verify(bundleId: string, signature: string, keyId = this.keyId): boolean {
    const key = this.keys.find((k) => k.keyId === keyId);
    return key !== undefined && verifyBundleSignature(bundleId, signature, key.publicKey);
  }
}

/** A new Ed25519 bundle key. */
export function generateBundleKey(): StoredSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  return {
    privateKey: sealSecret(privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')),
    publicKey: raw.toString('base64'),
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
  };
}
