/**
 * Typed errors of the client. Every failure the platform reports arrives as an `AcgsError` with the
 * problem+json fields (`code`, `status`, `detail`, `errors`); a refused action is a
 * `DecisionDeniedError`, never a plain exception.
 */

/** A problem+json body (RFC 9457) as the platform sends it. */
export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly code?: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly pointer?: string; readonly detail?: string }[];
  readonly [key: string]: unknown;
}

/** The platform answered with an error (4xx/5xx) or could not be reached. */
export class AcgsError extends Error {
  override readonly name: string = 'AcgsError';
  constructor(
    message: string,
    /** HTTP status; 0 when the platform could not be reached. */
    readonly status: number,
    /** The catalogue code (`POLICY_REQUEST_INVALID`, …) or `CLIENT_UNREACHABLE` / `CLIENT_TIMEOUT`. */
    readonly code: string,
    readonly problem: Problem | undefined = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401 or 403: the credential is missing, invalid or lacks the role. Not retried. */
export class AcgsAuthError extends AcgsError {
  override readonly name = 'AcgsAuthError';
}

/** 400/404/409/413/422: the request is at fault. Not retried. */
export class AcgsRequestError extends AcgsError {
  override readonly name = 'AcgsRequestError';
}

/** 503/429 (or no answer) after every retry; `retryAfterSeconds` is the last hint the platform gave. */
export class AcgsUnavailableError extends AcgsError {
  override readonly name = 'AcgsUnavailableError';
  constructor(
    message: string,
    status: number,
    code: string,
    problem: Problem | undefined,
    readonly retryAfterSeconds: number | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, status, code, problem, options);
  }
}

/** A guarded action the platform decided `deny` (or a review that ended in deny). */
export class DecisionDeniedError extends Error {
  override readonly name = 'DecisionDeniedError';
  constructor(
    readonly decisionId: string,
    readonly reasons: readonly string[],
    /** `policy` when the engine denied; `review` when a reviewer (or the deadline) did. */
    readonly via: 'policy' | 'review' | 'deadline',
  ) {
    super(
      `denied (decision ${decisionId})${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
    );
  }
}

/** A review still pending when the caller's wait ended. */
export class ReviewTimeoutError extends Error {
  override readonly name = 'ReviewTimeoutError';
  constructor(readonly decisionId: string) {
    super(`review of decision ${decisionId} still pending`);
  }
}
