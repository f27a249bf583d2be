import type { ConstitutionalHash } from '../../kernel/constitutional-hash.js';
import type {
  ConstitutionContract,
  ConstitutionVersion,
  EnactOptions,
  EnactSource,
} from '../../kernel/contracts/constitution.js';
import { commonErrors, PlatformError } from '../../kernel/errors.js';
import { serviceCredentialHeaders } from '../../kit/service-credentials.js';

export interface ConstitutionClientOptions {
  readonly timeoutMs?: number;
  /**
   * Credential headers for protected calls (enact needs the `service` role); by default the
   * service API key from ACGS_SERVICE_API_KEY.
   */
  readonly credentials?: () => Record<string, string>;
}

/** The Constitutional AI contract over HTTP, for services running in other processes. */
export class ConstitutionClient implements ConstitutionContract {
  private readonly timeoutMs: number;
  private readonly options: ConstitutionClientOptions;

  constructor(
    private readonly baseUrl: string,
    options: ConstitutionClientOptions | number = {},
  ) {
    this.options = typeof options === 'number' ? { timeoutMs: options } : options;
    this.timeoutMs = this.options.timeoutMs ?? 2000;
  }

  async activeHash(): Promise<ConstitutionalHash> {
    const body = (await this.call('GET', '/api/v1/constitution/active/hash')) as Partial<ConstitutionalHash>;
    if (typeof body.hash !== 'string' || !/^[0-9a-f]{64}$/.test(body.hash)) {
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', 'constitution service sent a malformed hash');
    }
    return { hash: body.hash, short: body.hash.slice(0, 16) };
  }

  async activeVersion(): Promise<ConstitutionVersion | undefined> {
    try {
      return (await this.call('GET', '/api/v1/constitution/active', undefined, true)) as ConstitutionVersion;
    } catch (error) {
      if (error instanceof PlatformError && error.code === 'CONSTITUTION_NOT_PUBLISHED') return undefined;
      throw error;
    }
  }

  async enact(source: EnactSource, options: EnactOptions): Promise<ConstitutionVersion> {
    return (await this.call(
      'POST',
      '/api/v1/constitution/enactments',
      { ...source, ...options },
      true,
    )) as ConstitutionVersion;
  }

  private async call(method: string, path: string, body?: unknown, authenticated = false): Promise<unknown> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (authenticated) Object.assign(headers, (this.options.credentials ?? serviceCredentialHeaders)());
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw commonErrors.create(
        'DEPENDENCY_UNAVAILABLE',
        `constitution service at ${this.baseUrl} did not answer`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      // Pass the service's own problem through (its code and field errors), so callers see the real cause.
      let problem: { code?: string; title?: string; detail?: string; errors?: [] } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        // not problem+json
      }
      if (response.status < 500 && typeof problem.code === 'string') {
        throw new PlatformError(
          problem.code,
          response.status,
          problem.title ?? 'Error',
          problem.detail ?? '',
          {
            ...(problem.errors ? { errors: problem.errors } : {}),
          },
        );
      }
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', `constitution service answered ${response.status}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw commonErrors.create('DEPENDENCY_UNAVAILABLE', 'constitution service sent malformed JSON', {
        cause: error,
      });
    }
  }
}
