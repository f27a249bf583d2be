/**
 * The platform's one error type. Use cases throw PlatformErrors built from an area's catalogue;
 * the kit's error handler turns them into RFC 9457 problem+json and never shows `cause`.
 */

/** Where in a source text an error sits (1-based line and column). */
export interface SourceLocation {
  readonly file?: string;
  readonly line: number;
  readonly column: number;
}

/** One failing field, reported in problem+json as `errors[]`. `pointer` is a JSON Pointer (RFC 6901). */
export interface FieldError {
  readonly pointer: string;
  readonly detail: string;
  readonly location?: SourceLocation;
}

export interface ErrorSpec {
  /** HTTP status the kit answers with. */
  readonly status: number;
  /** Short, stable, human title for the code (problem+json `title`). */
  readonly title: string;
  /**
   * For 503 and 429 (required there): the `Retry-After` every such error carries unless the
   * raiser gives a sharper one (a rate limit's reset time).
   */
  readonly retryAfterSeconds?: number;
}

export interface PlatformErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly errors?: readonly FieldError[];
  readonly location?: SourceLocation;
  readonly cause?: unknown;
  /** Extra response headers, e.g. Retry-After for 429 and 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly location: SourceLocation | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    message: string,
    options: PlatformErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details;
    this.errors = options.errors;
    this.location = options.location;
    this.headers = options.headers;
  }
}

/** A typed catalogue: `catalogue.create('CODE', message, options)` only accepts the area's own codes. */
export interface ErrorCatalogue<Code extends string> {
  readonly specs: Readonly<Record<Code, ErrorSpec>>;
  create(code: Code, message: string, options?: PlatformErrorOptions): PlatformError;
  is(error: unknown, code: Code): error is PlatformError;
}

/**
 * Declares an area's error codes (`<AREA>_<REASON>`). A 503 or 429 code names its Retry-After,
 * which every error of that code carries (`src/kernel/error-catalogue.test.ts` guards this, the
 * naming, and that every code is in a docs error table with its status).
 * @example
 * const errors = defineErrors({ LOG_PUSHBACK: { status: 503, title: 'Log is busy', retryAfterSeconds: 1 } });
 * throw errors.create('LOG_PUSHBACK', 'append queue full'); // Retry-After: 1
 */
export function defineErrors<const Code extends string>(
  specs: Readonly<Record<Code, ErrorSpec>>,
): ErrorCatalogue<Code> {
  return {
    specs,
    create(code, message, options) {
      const spec = specs[code];
      if (spec.retryAfterSeconds === undefined || options?.headers?.['retry-after'] !== undefined)
        return new PlatformError(code, spec.status, spec.title, message, options);
      const headers = { ...options?.headers, 'retry-after': String(spec.retryAfterSeconds) };
      return new PlatformError(code, spec.status, spec.title, message, { ...options, headers });
    },
    is(error, code): error is PlatformError {
      return error instanceof PlatformError && error.code === code;
    },
  };
}

/** Errors every area may raise. */
export const commonErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, title: 'Request is not valid' },
  URL_MALFORMED: { status: 400, title: 'Request URL is not valid' },
  REQUEST_MALFORMED: { status: 400, title: 'Request is not valid HTTP' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request did not arrive in time' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  BODY_MALFORMED: { status: 400, title: 'Request body is not valid JSON' },
  AUTH_REQUIRED: { status: 401, title: 'Authentication required' },
  AUTH_FORBIDDEN: { status: 403, title: 'Not allowed' },
  RESOURCE_NOT_FOUND: { status: 404, title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  RESOURCE_CONFLICT: { status: 409, title: 'Conflict' },
  CONSTITUTION_HASH_MISMATCH: { status: 409, title: 'Constitutional hash does not match' },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests', retryAfterSeconds: 1 },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  DEPENDENCY_UNAVAILABLE: { status: 503, title: 'A dependency is unavailable', retryAfterSeconds: 1 },
  SERVICE_OVERLOADED: { status: 503, title: 'Service overloaded', retryAfterSeconds: 1 },
  SHUTTING_DOWN: { status: 503, title: 'Service is shutting down', retryAfterSeconds: 1 },
});
