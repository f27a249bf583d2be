import { timingSafeEqual } from 'node:crypto';
import { API_KEY_PATTERN, type ApiKeyResolver, type ResolvedApiKey } from '../../../kernel/contracts/auth.js';
import type { PiiPseudonymizer } from '../pii-pseudonyms.js';
import { defaultBinding, type PrincipalBindingStore } from '../principal-bindings.js';
import { secretDigest } from '../secret-tokens.js';
import type { AuthStore } from '../store.js';

/**
 * The in-process `ApiKeyResolver`: finds the key by its prefix and compares the secret's digest in
 * constant time. A disabled service account's keys resolve as revoked.
 */
export class StoreApiKeyResolver implements ApiKeyResolver {
  constructor(
    private readonly store: AuthStore,
    private readonly bindings: PrincipalBindingStore,
    private readonly pseudonyms: PiiPseudonymizer,
  ) {}

  async resolve(presentedKey: string): Promise<ResolvedApiKey | undefined> {
    const match = API_KEY_PATTERN.exec(presentedKey);
    if (!match) return undefined;
    const record = await this.store.apiKeyByPrefix(match[1]!);
    if (record === undefined) return undefined;
    const presented = Buffer.from(secretDigest(match[2]!), 'hex');
    const stored = Buffer.from(record.secretHash, 'hex');
    if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return undefined;
    const account = await this.store.userById(record.accountId);
    const binding =
      account === undefined ? undefined : ((await this.bindings.get(account.id)) ?? defaultBinding(account));
    return {
      keyId: record.id,
      subject: record.accountId,
      roles: account?.roles ?? [],
      scopes: record.scopes,
      expiresAtMs: record.expiresMs,
      revoked: record.revokedMs !== null || account === undefined || account.disabled,
      rateLimitPerMinute: record.rateLimit,
      pseudonym: await this.pseudonyms.ofAccount(record.accountId),
      ...(account === undefined ? {} : { account: account.username }),
      ...(binding === undefined ? {} : { principal: binding.principal, delegate: binding.delegate }),
    };
  }
}

/**
 * Remembers resolutions for a short time, keyed by the digest of the whole key, so the guard does
 * not ask the database (or the Auth service) on every request. Revocation stays immediate: the
 * guard checks the cache store's revocation list on every request.
 *
 * No request waits for a remembered key to be looked up again: once a resolution is past half its
 * time, the next request uses it and starts one look-up in the background, whose answer replaces
 * it (a key revoked or disabled meanwhile is taken as the new answer says). Only a key not
 * remembered, or remembered past its whole time (no request refreshed it, or the look-ups failed),
 * waits — and requests that arrive together for the same key share one look-up. Without this, the
 * requests that met an expired resolution each asked the Auth service over HTTP, every 30 s per
 * key and process: a periodic stall on the decision path (issue 19).
 */
export class CachingApiKeyResolver implements ApiKeyResolver {
  private readonly entries = new Map<
    string,
    { value: ResolvedApiKey | undefined; at: number; until: number }
  >();
  private readonly inFlight = new Map<string, Promise<ResolvedApiKey | undefined>>();

  constructor(
    private readonly inner: ApiKeyResolver,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(presentedKey: string): Promise<ResolvedApiKey | undefined> {
    const digest = secretDigest(presentedKey);
    const hit = this.entries.get(digest);
    const now = this.now();
    if (hit !== undefined && hit.until > now) {
      if (now - hit.at >= this.ttlMs / 2 && !this.inFlight.has(digest)) {
        // The answer comes later; meanwhile (and should it fail) the remembered one serves.
        this.lookUp(digest, presentedKey).catch(() => undefined);
      }
      return hit.value;
    }
    return this.inFlight.get(digest) ?? this.lookUp(digest, presentedKey);
  }

  /** One look-up of a key at a time; its answer is remembered. */
  private lookUp(digest: string, presentedKey: string): Promise<ResolvedApiKey | undefined> {
    const lookup = (async () => {
      try {
        const value = await this.inner.resolve(presentedKey);
        this.remember(digest, value);
        return value;
      } finally {
        this.inFlight.delete(digest);
      }
    })();
    this.inFlight.set(digest, lookup);
    return lookup;
  }

  private remember(digest: string, value: ResolvedApiKey | undefined): void {
    // Unknown keys are not remembered: a burst of guesses must not push real keys out.
    if (value === undefined) {
      this.entries.delete(digest);
      return;
    }
    this.entries.delete(digest);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const at = this.now();
    this.entries.set(digest, { value, at, until: at + this.ttlMs });
  }
}
