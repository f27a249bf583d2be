/**
 * The external authorization endpoint for proxies and meshes, in the two shapes they use:
 *
 * - Envoy / Istio HTTP `ext_authz`: the check request carries the original method, the original
 *   path (after the configured `pathPrefix`) and the allowed headers;
 * - NGINX `auth_request`: a subrequest that carries the original method and URI in
 *   `X-Original-Method` and `X-Original-URI` (set with `proxy_set_header`).
 *
 * Either way the answer is 200 with `x-acgs-decision-id` / `x-acgs-decision` to add upstream
 * (allow), or 403 with the reason in `x-acgs-reason` and a JSON body (deny, an unmapped request,
 * a request the mapping cannot fill, a review not approved). When the platform cannot decide the
 * answer is 503 with Retry-After: both proxies then refuse the original request (fail closed).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AcgsAuthError,
  type AcgsClient,
  AcgsRequestError,
  ReviewTimeoutError,
} from '../../../packages/acgs-client/src/index.js';
import { type HttpAuthzMapping, type HttpFacts, mapHttpRequest } from './http-authz-mapping.js';

export interface AuthzServerOptions {
  readonly mapping: HttpAuthzMapping;
  /** A client whose API key has the delegate permission (it speaks for the mapped principals). */
  readonly client: AcgsClient;
  /** Envoy's `path_prefix` / Istio's `pathPrefix`, stripped from the check request's path. */
  readonly pathPrefix?: string;
  /** How long `review: wait` holds a request for the reviewer (default 60 s). */
  readonly reviewWaitMs?: number;
}

export interface AuthzAnswer {
  readonly status: 200 | 403 | 503;
  readonly decision: 'allow' | 'deny' | 'unavailable';
  readonly decisionId?: string;
  readonly reason?: string;
}

/** What the proxy asked about: NGINX's X-Original-* headers when present, else Envoy's shape. */
export function factsOf(request: IncomingMessage, pathPrefix = ''): HttpFacts {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers))
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const originalUri = headers['x-original-uri'];
  if (originalUri !== undefined)
    return { method: (headers['x-original-method'] ?? 'GET').toUpperCase(), uri: originalUri, headers };
  const url = request.url ?? '/';
  const uri = pathPrefix !== '' && url.startsWith(pathPrefix) ? url.slice(pathPrefix.length) || '/' : url;
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    uri: uri.startsWith('/') ? uri : `/${uri}`,
    headers,
  };
}

/** Decides one proxied request. Never throws: an error of the platform is `unavailable` (503). */
export async function authorize(options: AuthzServerOptions, facts: HttpFacts): Promise<AuthzAnswer> {
  const mapped = mapHttpRequest(options.mapping, facts);
  if (mapped.kind === 'unmatched')
    return options.mapping.unmatched === 'allow'
      ? { status: 200, decision: 'allow', reason: 'unmatched request allowed by the mapping' }
      : {
          status: 403,
          decision: 'deny',
          reason: `no route of the mapping matches ${facts.method} ${facts.uri.split('?')[0]}`,
        };
  if (mapped.kind === 'invalid') return { status: 403, decision: 'deny', reason: mapped.reason };
  try {
    const decision = await options.client.decide(mapped.request as never);
    const reasons = decision.reasons.join('; ');
    if (decision.decision === 'allow')
      return { status: 200, decision: 'allow', decisionId: decision.decisionId };
    if (decision.decision === 'review' && options.mapping.review === 'wait') {
      const outcome = await options.client.waitForReview(decision.decisionId, {
        timeoutMs: options.reviewWaitMs ?? 60_000,
      });
      return outcome.decision === 'allow'
        ? { status: 200, decision: 'allow', decisionId: decision.decisionId }
        : {
            status: 403,
            decision: 'deny',
            decisionId: decision.decisionId,
            reason: `review: ${outcome.via ?? 'rejected'}`,
          };
    }
    return {
      status: 403,
      decision: 'deny',
      decisionId: decision.decisionId,
      reason:
        decision.decision === 'review'
          ? `held for human review${reasons ? `: ${reasons}` : ''}`
          : reasons || 'denied',
    };
  } catch (error) {
    if (error instanceof ReviewTimeoutError)
      return { status: 403, decision: 'deny', decisionId: error.decisionId, reason: 'review still pending' };
    // The platform refused the request as built (a value outside the vocabulary, a principal the
    // credential may not speak for): the request cannot be allowed.
    if (error instanceof AcgsRequestError || error instanceof AcgsAuthError)
      return { status: 403, decision: 'deny', reason: `not decidable: ${error.code}` };
    return { status: 503, decision: 'unavailable', reason: 'the platform could not decide' };
  }
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
}

/** The Node HTTP handler of the endpoint (every path and method is a check request). */
export function createAuthzHandler(options: AuthzServerOptions) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    request.resume();
    void authorize(options, factsOf(request, options.pathPrefix)).then((answer) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-acgs-decision': answer.decision,
      };
      if (answer.decisionId !== undefined) headers['x-acgs-decision-id'] = answer.decisionId;
      if (answer.reason !== undefined) headers['x-acgs-reason'] = headerSafe(answer.reason);
      if (answer.status === 503) headers['retry-after'] = '1';
      response.writeHead(answer.status, headers);
      response.end(answer.status === 200 ? '' : JSON.stringify(answer));
    });
  };
}
