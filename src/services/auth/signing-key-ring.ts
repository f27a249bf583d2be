import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { JsonWebKeySet, PublicJwk, VerificationKeySource } from '../../kernel/contracts/auth.js';
import { newId } from '../../kernel/ids.js';
import { openSecret, sealSecret } from '../../kit/secret-envelope.js';
import type { AuthStore, SigningKeyRecord } from './store.js';

/** How long after retirement a key stays published: the access-token lifetime plus clock skew. */
export function publicationGraceMs(accessTokenTtlSeconds: number): number {
  return (accessTokenTtlSeconds + 60) * 1000;
}

/** The JWKS answer is at most this old (one database read per second at most, however busy). */
const MAX_KEY_SET_AGE_MS = 1000;

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly privateKey: KeyObject;
}

/**
 * The Ed25519 signing keys, kept in the Auth tables so replicas share them. Rotation publishes a
 * new key at once but signs with it only after `activationDelayMs` (publish before use: by then
 * every replica's JWKS and every guard's cache can know it); the old keys sign until then, and
 * stay published until every token they signed has expired. Reloaded from the database
 * periodically and on demand.
 */
export class SigningKeyRing implements VerificationKeySource {
  private keys: LoadedKey[] = [];
  private loading: Promise<void> | undefined;
  private loadedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: AuthStore,
    private readonly graceMs: number,
    private readonly now: () => number,
    private readonly activationDelayMs = 10_000,
  ) {}

  /** Keys that may still sign: not retired, or retired at a time still to come. */
  private signers(): LoadedKey[] {
    const now = this.now();
    return this.keys.filter((key) => key.record.retiredMs === null || key.record.retiredMs > now);
  }

  /** The newest signer published for the activation delay; else the one published longest. */
  private activeKey(): LoadedKey | undefined {
    const signers = this.signers();
    const settled = this.now() - this.activationDelayMs;
    return signers.find((key) => key.record.createdMs <= settled) ?? signers[signers.length - 1];
  }

  /** Loads the keys; creates the first one on an empty database. */
  async ensureKey(): Promise<void> {
    await this.reload();
    if (this.signers().length > 0) return;
    await this.store.insertSigningKey(generateSigningKey(this.now()));
    await this.reload();
  }

  /**
   * Adds a new signing key, published at once and signing from `activeFrom`; the others retire
   * then. Returns the new key id and the ids of the keys it replaces.
   */
  async rotate(): Promise<{ kid: string; retired: string[]; activeFrom: string }> {
    await this.reload();
    const retired = this.keys.filter((key) => key.record.retiredMs === null).map((key) => key.record.kid);
    const fresh = generateSigningKey(this.now());
    const activeFromMs = this.now() + this.activationDelayMs;
    await this.store.insertSigningKey(fresh);
    await this.store.retireSigningKeysExcept(fresh.kid, activeFromMs);
    await this.reload();
    return { kid: fresh.kid, retired, activeFrom: new Date(activeFromMs).toISOString() };
  }

  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const records = await this.store.signingKeys(this.now() - this.graceMs);
        this.loadedAtMs = this.now();
        this.keys = records.map((record) => ({
          record,
          privateKey: createPrivateKey({
            key: Buffer.from(openSecret(record.privatePkcs8), 'base64'),
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
    let active = this.activeKey();
    if (active === undefined) {
      await this.ensureKey();
      active = this.activeKey();
      if (active === undefined) throw new Error('no active signing key');
    }
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: active.record.kid })).toString(
      'base64url',
    );
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign(null, Buffer.from(`${header}.${payload}`, 'latin1'), active.privateKey);
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  /**
   * The published keys. Re-read from the database when asked to (`refresh`) or when the last read
   * is over a second old, so a rotation on another replica shows at once on every replica's JWKS.
   */
  async keySet(refresh: boolean): Promise<JsonWebKeySet> {
    if (refresh || this.keys.length === 0 || this.now() - this.loadedAtMs > MAX_KEY_SET_AGE_MS)
      await this.reload();
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
    privatePkcs8: sealSecret(privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')),
    publicX: String(jwk.x),
    createdMs: nowMs,
    retiredMs: null,
  };
}
