import { createHash } from 'node:crypto';
import type { ApiKeyResolver, ResolvedApiKey } from '../kernel/contracts/auth.js';
import { commonErrors } from '../kernel/errors.js';

/**
 * Keeps a process's guard working through an Auth service outage, for a bounded time: an API key
 * the Auth service verified within the last `graceMs` is accepted on that verification while the
 * Auth service does not answer (503 `DEPENDENCY_UNAVAILABLE`). Only availability failures are
 * bridged: a key the Auth service answers for is always taken as it answers. What the answer
 * said still holds (a key verified as revoked stays revoked, an expiry still expires it), and the
 * guard keeps checking the revocation list in the cache store on every request, so a key revoked
 * during the outage is refused wherever that list reaches (Redis: every replica). A key revoked
 * at the Auth service with the cache store also away is the case the grace period trades: it is
 * accepted until its grace runs out. `graceMs` 0 turns the bridging off.
 */
export class OutageGraceApiKeyResolver implements ApiKeyResolver {
  readonly #verified = new Map<string, { value: ResolvedApiKey; at: number }>();

  constructor(
    private readonly inner: ApiKeyResolver,
    private readonly graceMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(presentedKey: string): Promise<ResolvedApiKey | undefined> {
    const digest = createHash('sha256').update(presentedKey).digest('hex');
    try {
      const value = await this.inner.resolve(presentedKey);
      if (value === undefined) this.#verified.delete(digest);
      else this.#remember(digest, value);
      return value;
    } catch (error) {
      if (!commonErrors.is(error, 'DEPENDENCY_UNAVAILABLE')) throw error;
      const known = this.#verified.get(digest);
      if (known === undefined || this.graceMs <= 0 || this.now() - known.at > this.graceMs) throw error;
      return known.value;
    }
  }

  #remember(digest: string, value: ResolvedApiKey): void {
    this.#verified.delete(digest);
    if (this.#verified.size >= this.maxEntries) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(digest, { value, at: this.now() });
  }
}
