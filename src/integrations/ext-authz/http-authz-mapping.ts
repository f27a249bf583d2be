/**
 * The external authorization endpoint's mapping file: which decision request an HTTP request
 * becomes. Routes are tried in order; the first whose method and path template match builds the
 * request (the file's `principal` block, then the route's `request` block). A request no route
 * matches is denied unless the file says `unmatched: allow`.
 *
 * @example
 * principal:
 *   id: { from: header:x-acgs-principal }
 *   type: agent
 *   roles: { from: header:x-acgs-roles, required: false }
 * routes:
 *   - method: POST
 *     path: /refunds/{orderId}
 *     request:
 *       action: { type: issue_refund, amount: { from: header:x-refund-amount } }
 *       resource: { type: order, id: { from: param:orderId } }
 */
import { readFileSync } from 'node:fs';
import type { Vocabulary } from '../../policy/vocabulary-parser.js';
import {
  type AttributeRule,
  convertText,
  MappingSource,
  readAttributeBlock,
  setPath,
} from '../attribute-mapping.js';

const HTTP_SOURCES = new Set(['header', 'param', 'query', 'method', 'path']);
const TOP_KEYS = new Set(['principal', 'routes', 'unmatched', 'review']);
const ROUTE_KEYS = new Set(['method', 'path', 'request']);

export interface HttpRoute {
  readonly methods: ReadonlySet<string> | 'any';
  /** Path segments; `{name}` binds one segment, a final `*` the rest. */
  readonly segments: readonly string[];
  readonly template: string;
  readonly rules: readonly AttributeRule[];
}

export interface HttpAuthzMapping {
  readonly routes: readonly HttpRoute[];
  readonly unmatched: 'deny' | 'allow';
  /** What a `review` decision does to the HTTP request: `deny` (default) or `wait` for the reviewer. */
  readonly review: 'deny' | 'wait';
}

/** What the proxy tells us about the original request. */
export interface HttpFacts {
  readonly method: string;
  /** Path and query, as sent (`/refunds/o-1?dry=1`). */
  readonly uri: string;
  /** Header names lower-case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export type MappedRequest =
  | { readonly kind: 'request'; readonly route: string; readonly request: Record<string, unknown> }
  | { readonly kind: 'unmatched' }
  | { readonly kind: 'invalid'; readonly route: string; readonly reason: string };

/** Reads and checks a mapping file against the vocabulary; throws `MappingError` with file:line:column. */
export function loadHttpAuthzMapping(
  file: string,
  vocabulary: Vocabulary,
  text = readFileSync(file, 'utf8'),
): HttpAuthzMapping {
  const source = new MappingSource(file, text);
  source.throwIfProblems();
  const root = source.value as Record<string, unknown> | null;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    source.report('', 'a mapping file is a map with `routes`');
    source.throwIfProblems();
  }
  const top = root as Record<string, unknown>;
  for (const key of Object.keys(top))
    if (!TOP_KEYS.has(key)) source.report(`/${key}`, `unknown field ${key}`);
  const principal = readAttributeBlock(source, { principal: top.principal }, '', vocabulary, HTTP_SOURCES);
  const routes: HttpRoute[] = [];
  const list = top.routes;
  if (!Array.isArray(list) || list.length === 0) source.report('/routes', 'routes: a non-empty list');
  else
    list.forEach((route, index) => {
      const built = readRoute(source, route, `/routes/${index}`, vocabulary, principal);
      if (built !== undefined) routes.push(built);
    });
  if (top.unmatched !== undefined && top.unmatched !== 'deny' && top.unmatched !== 'allow')
    source.report('/unmatched', 'unmatched: deny or allow');
  if (top.review !== undefined && top.review !== 'deny' && top.review !== 'wait')
    source.report('/review', 'review: deny or wait');
  source.throwIfProblems();
  return {
    routes,
    unmatched: top.unmatched === 'allow' ? 'allow' : 'deny',
    review: top.review === 'wait' ? 'wait' : 'deny',
  };
}

function readRoute(
  source: MappingSource,
  route: unknown,
  pointer: string,
  vocabulary: Vocabulary,
  principal: readonly AttributeRule[],
): HttpRoute | undefined {
  if (typeof route !== 'object' || route === null || Array.isArray(route)) {
    source.report(pointer, 'a route is a map with method, path and request');
    return undefined;
  }
  const r = route as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!ROUTE_KEYS.has(key)) source.report(`${pointer}/${key}`, `unknown field ${key}`);
  if (typeof r.path !== 'string' || !r.path.startsWith('/')) {
    source.report(`${pointer}/path`, 'path: a template starting with / (e.g. /orders/{id})');
    return undefined;
  }
  const methods = r.method === undefined || r.method === '*' ? 'any' : [r.method].flat();
  if (methods !== 'any' && !methods.every((m) => typeof m === 'string' && /^[A-Z]+$/.test(m))) {
    source.report(`${pointer}/method`, 'method: an upper-case HTTP method, a list of them, or *');
    return undefined;
  }
  const request = r.request as Record<string, unknown> | undefined;
  const rules = readAttributeBlock(source, request, `${pointer}/request`, vocabulary, HTTP_SOURCES);
  if (!rules.some((rule) => rule.path === 'action.type'))
    source.report(`${pointer}/request`, 'the route must set action.type');
  const segments = r.path.split('/').slice(1);
  for (const rule of rules) {
    const from = 'from' in rule.value ? rule.value.from : undefined;
    if (from?.kind === 'param' && !segments.includes(`{${from.name}}`))
      source.report(`${pointer}/path`, `path has no {${from.name}} for ${rule.path}`);
  }
  return {
    methods: methods === 'any' ? 'any' : new Set(methods as string[]),
    segments,
    template: r.path,
    rules: [...principal, ...rules],
  };
}

function matchPath(segments: readonly string[], path: string): Map<string, string> | undefined {
  const actual = path.split('/').slice(1);
  const params = new Map<string, string>();
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!;
    if (want === '*' && i === segments.length - 1) return params;
    const got = actual[i];
    if (got === undefined) return undefined;
    if (want.startsWith('{') && want.endsWith('}')) {
      if (got === '') return undefined;
      params.set(want.slice(1, -1), decodeURIComponent(got));
    } else if (want !== got) return undefined;
  }
  return actual.length === segments.length ? params : undefined;
}

/** The decision request for an HTTP request, or why there is none. */
export function mapHttpRequest(mapping: HttpAuthzMapping, facts: HttpFacts): MappedRequest {
  const url = new URL(facts.uri, 'http://authz.invalid');
  for (const route of mapping.routes) {
    if (route.methods !== 'any' && !route.methods.has(facts.method)) continue;
    let params: Map<string, string> | undefined;
    try {
      params = matchPath(route.segments, url.pathname);
    } catch {
      return { kind: 'invalid', route: route.template, reason: 'the path is not valid percent-encoding' };
    }
    if (params === undefined) continue;
    const request: Record<string, unknown> = {};
    for (const rule of route.rules) {
      if ('literal' in rule.value) {
        setPath(request, rule.path, rule.value.literal);
        continue;
      }
      const { kind, name } = rule.value.from;
      const text =
        kind === 'header'
          ? facts.headers[name.toLowerCase()]
          : kind === 'param'
            ? params.get(name)
            : kind === 'query'
              ? (url.searchParams.get(name) ?? undefined)
              : kind === 'method'
                ? facts.method
                : url.pathname;
      if (text === undefined) {
        if (rule.value.required)
          return {
            kind: 'invalid',
            route: route.template,
            reason: `${kind} ${name} is missing (for ${rule.path})`,
          };
        continue;
      }
      const value = convertText(text, rule.type);
      if (value === undefined || (Array.isArray(value) && value.includes(undefined)))
        return {
          kind: 'invalid',
          route: route.template,
          reason: `${kind} ${name} is not a ${rule.type.kind} (for ${rule.path})`,
        };
      setPath(request, rule.path, value);
    }
    return { kind: 'request', route: route.template, request };
  }
  return { kind: 'unmatched' };
}
