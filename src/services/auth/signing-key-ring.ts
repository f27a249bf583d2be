import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { JsonWebKeySet, PublicJwk, VerificationKeySource } from '../../kernel/contracts/auth.js';
import { newId } from '../../kernel/ids.js';
import type { AuthStore, SigningKeyRecord } from './store.js';

/** How long after retirement a key stays published: the access-token lifetime plus clock skew. */
export function publicationGraceMs(accessTokenTtlSeconds: number): number {
  return (accessTokenTtlSeconds + 60) * 1000;
}

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly privateKey: KeyObject;
}

/**
 * The Ed25519 signing keys, kept in the Auth tables so replicas share them. The newest unretired
 * key signs; rotation adds a key and retires the others, which stay published in the JWKS until
 * every token they signed has expired. Reloaded from the database periodically and on demand.
 */
export class SigningKeyRing implements VerificationKeySource {
  private keys: LoadedKey[] = [];
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: AuthStore,
    private readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  /** Loads the keys; creates the first one on an empty database. */
  async ensureKey(): Promise<void> {
    await this.reload();
    if (this.keys.some((key) => key.record.retiredMs === null)) return;
    await this.store.insertSigningKey(generateSigningKey(this.now()));
    await this.reload();
  }

  /** Adds a new signing key and retires the others; returns the new key id. */
  async rotate(): Promise<{ kid: string; retired: string[] }> {
    const retired = this.keys.filter((key) => key.record.retiredMs === null).map((key) => key.record.kid);
    const fresh = generateSigningKey(this.now());
    await this.store.insertSigningKey(fresh);
    await this.store.retireSigningKeysExcept(fresh.kid, this.now());
    await this.reload();
    return { kid: fresh.kid, retired };
  }

  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const records = await this.store.signingKeys(this.now() - this.graceMs);
        this.keys = records.map((record) => ({
          record,
          privateKey: createPrivateKey({
            key: Buffer.from(record.privatePkcs8, 'base64'),
            format: 'der',
            type: 'pkcs8',
          }),
        }));
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Signs a JWT (JWS compact, EdDSA) with the newest active key. */
  async sign(claims: Readonly<Record<string, unknown>>): Promise<string> {
    let active = this.keys.find((key) => key.record.retiredMs === null);
    if (active === undefined) {
      await this.ensureKey();
      active = this.keys.find((key) => key.record.retiredMs === null);
      if (active === undefined) throw new Error('no active signing key');
    }
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: active.record.kid })).toString(
      'base64url',
    );
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign(null, Buffer.from(`${header}.${payload}`, 'latin1'), active.privateKey);
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  async keySet(refresh: boolean): Promise<JsonWebKeySet> {
    if (refresh || this.keys.length === 0) await this.reload();
    const cutoff = this.now() - this.graceMs;
    return {
      keys: this.keys
        .filter((key) => key.record.retiredMs === null || key.record.retiredMs > cutoff)
        .map(
          (key): PublicJwk => ({
            kty: 'OKP',
            crv: 'Ed25519',
            x: key.record.publicX,
            kid: key.record.kid,
            alg: 'EdDSA',
            use: 'sig',
          }),
        ),
    };
  }
}

function generateSigningKey(nowMs: number): SigningKeyRecord {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid: newId(),
    privatePkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicX: String(jwk.x),
    createdMs: nowMs,
    retiredMs: null,
  };
}
