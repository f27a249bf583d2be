/**
 * Bundle signatures: Ed25519 over `acgs.pgc.bundle.v1\n<bundle id>\n` (the id is the SHA-256
 * of the bundle's canonical content, so the signature covers the policies and the targeted
 * constitution hash). The key is the PGC's own: the first replica generates it and stores it in
 * the PGC's database, every replica signs with it, and anyone can verify with the public key
 * served at `GET /api/v1/policies/bundles/public-key` (docs/enforcement.md).
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

export class BundleSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    /** Raw 32-byte public key, base64. */
    readonly publicKey: string,
    /** First 16 hex digits of SHA-256 over the raw public key. */
    readonly keyId: string,
  ) {}

  /** Loads the stored key, creating it on first use (replicas racing agree on the first stored). */
  static async open(store: PgcStore, nowMs: number): Promise<BundleSigner> {
    const stored = (await store.signingKey()) ?? (await store.ensureSigningKey(generate(), nowMs));
    const privateKey = createPrivateKey({
      key: Buffer.from(stored.privateKey, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    return new BundleSigner(privateKey, stored.publicKey, stored.keyId);
  }

  sign(bundleId: string): string {
    return sign(null, bundleSigningMessage(bundleId), this.privateKey).toString('base64');
  }

  verify(bundleId: string, signature: string): boolean {
    return verifyBundleSignature(bundleId, signature, this.publicKey);
  }
}

function generate(): StoredSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: raw.toString('base64'),
    keyId: createHash('sha256').update(raw).digest('hex').slice(0, 16),
  };
}
