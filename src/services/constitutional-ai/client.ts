import type { ConstitutionalHash } from '../../kernel/constitutional-hash.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import { commonErrors } from '../../kernel/errors.js';

/** The Constitutional AI contract over HTTP, for services running in other processes. */
export class ConstitutionClient implements ConstitutionContract {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 2000,
  ) {}

  async activeHash(): Promise<ConstitutionalHash> {
    const url = new URL('/api/v1/constitution/active/hash', this.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw commonErrors.create(
        'DEPENDENCY_UNAVAILABLE',
        `constitution service at ${this.baseUrl} did not answer`,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) {
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', `constitution service answered ${response.status}`);
    }
    const body = (await response.json()) as Partial<ConstitutionalHash>;
    if (typeof body.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) {
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', 'constitution service sent a malformed hash');
    }
    return { hash: body.hash, short: body.hash.slice(0, 16) };
  }
}
