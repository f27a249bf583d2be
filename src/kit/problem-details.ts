import { Type } from '@sinclair/typebox';
import type { FastifyError } from 'fastify';
import { commonErrors, type FieldError, PlatformError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';

/** RFC 9457 problem details, as every error leaves the platform. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly requestId: string;
  readonly errors?: readonly FieldError[];
  readonly errorId?: string;
  readonly [extension: string]: unknown;
}

export interface Problem {
  readonly body: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
  /** Set for 5xx answers: the error to log with the errorId. */
  readonly internal?: unknown;
}

/** The JSON Schema of problem details, for routes that declare their refusals. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String(),
    requestId: Type.String(),
    errorId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), detail: Type.String() }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Fastify's own 4xx codes, mapped to catalogue codes; their messages are safe to show. */
const FASTIFY_CODES: Readonly<Record<string, Parameters<typeof commonErrors.create>[0]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_MALFORMED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
};

/** Turns anything thrown while handling a request into problem details, hiding internals of 5xx. */
export function toProblem(error: unknown, instance: string, requestId: string): Problem {
  const platformError = asPlatformError(error);
  if (platformError.status >= 500) {
    const errorId = newId();
    const safe =
      platformError.code === 'INTERNAL_ERROR'
        ? 'an internal error occurred; quote the errorId when reporting it'
        : platformError.message;
    return {
      body: {
        type: problemType(platformError.code),
        title: platformError.title,
        status: platformError.status,
        detail: safe,
        instance,
        code: platformError.code,
        requestId,
        errorId,
        ...(platformError.code === 'INTERNAL_ERROR' ? {} : platformError.details),
      },
      headers: platformError.headers ?? {},
      internal: error,
    };
  }
  return {
    body: {
      type: problemType(platformError.code),
      title: platformError.title,
      status: platformError.status,
      detail: platformError.message,
      instance,
      code: platformError.code,
      requestId,
      ...platformError.details,
      ...(platformError.errors ? { errors: platformError.errors } : {}),
      ...(platformError.location ? { location: platformError.location } : {}),
    },
    headers: platformError.headers ?? {},
  };
}

function problemType(code: string): string {
  return `urn:acgs:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

function asPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const fastifyError = error as Partial<FastifyError> & {
    validation?: ValidationIssue[];
    validationContext?: string;
  };
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((issue) =>
      toFieldError(issue, fastifyError.validationContext ?? 'body'),
    );
    const first = errors[0];
    return commonErrors.create(
      'VALIDATION_FAILED',
      first ? `${first.pointer}: ${first.detail}` : 'the request is not valid',
      { errors },
    );
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return commonErrors.create(mapped, fastifyError.message ?? mapped);
  if (error instanceof SyntaxError && (fastifyError.statusCode === 400 || 'body' in (error as object))) {
    return commonErrors.create('BODY_MALFORMED', 'the request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new PlatformError(
      fastifyError.code ?? 'BAD_REQUEST',
      status,
      'Bad request',
      fastifyError.message ?? 'bad request',
    );
  }
  return commonErrors.create('INTERNAL_ERROR', 'internal error', { cause: error });
}

interface ValidationIssue {
  readonly instancePath?: string;
  readonly message?: string;
  readonly keyword?: string;
  readonly params?: Record<string, unknown>;
}

function toFieldError(issue: ValidationIssue, context: string): FieldError {
  let pointer = issue.instancePath ?? '';
  const missing = issue.params?.missingProperty;
  const extra = issue.params?.additionalProperty;
  if (typeof missing === 'string') pointer = `${pointer}/${missing}`;
  if (typeof extra === 'string') pointer = `${pointer}/${extra}`;
  const detail =
    typeof extra === 'string'
      ? `unknown property ${JSON.stringify(extra)}`
      : (issue.message ?? 'is not valid');
  return { pointer: `/${context}${pointer}`, detail };
}
