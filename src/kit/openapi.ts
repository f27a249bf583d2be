import type { RouteOptions } from 'fastify';

declare module 'fastify' {
  /** Documentation fields of a route's schema, read by buildOpenApiDocument. */
  interface FastifySchema {
    hide?: boolean;
    summary?: string;
    description?: string;
    tags?: readonly string[];
    operationId?: string;
  }
}

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description?: string;
    readonly contact?: { readonly name: string; readonly url?: string };
  };
  /** Relative: the document is served by the platform it describes. */
  readonly servers: readonly { readonly url: string }[];
  readonly tags: readonly { readonly name: string }[];
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: Record<string, unknown>;
}

const CONTACT = { name: 'ACGS maintainers' } as const;

interface RouteSchema {
  readonly hide?: boolean;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly operationId?: string;
  readonly body?: unknown;
  readonly querystring?: unknown;
  readonly params?: unknown;
  readonly headers?: unknown;
  readonly response?: Readonly<Record<string, unknown>>;
}

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
} as const;

const PROBLEM = {
  description: 'RFC 9457 problem details',
  content: {
    'application/problem+json': { schema: { type: 'object', required: ['type', 'title', 'status', 'code'] } },
  },
};

/**
 * The OpenAPI 3.1 document of a set of routes, built from their TypeBox (JSON Schema 2020-12)
 * schemas and declared auth. Built by the kit itself rather than a plugin: @fastify/swagger cost
 * about a fifth of the kit's throughput on every request (bench/http-kit.bench.ts).
 */
export function buildOpenApiDocument(
  routes: readonly RouteOptions[],
  info: OpenApiDocument['info'],
  prefixes?: readonly string[],
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    const schema = (route.schema ?? {}) as RouteSchema;
    if (schema.hide || (prefixes && !prefixes.some((prefix) => route.url.startsWith(prefix)))) continue;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    for (const method of methods) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = operationOf(route, schema, method, path);
    }
    for (const tag of schema.tags ?? []) tags.add(tag);
  }
  return {
    openapi: '3.1.0',
    info: { contact: CONTACT, ...info },
    servers: [{ url: '/' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}

/**
 * An operation id from the method and path when the route names none, unique because method and
 * path are: `GET /api/v1/log/entries/{index}` → `getLogEntriesByIndex`.
 */
export function defaultOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v\d+\//, '/')
    .split('/')
    .filter((part) => part.length > 0)
    .flatMap((part) => (part.startsWith('{') ? ['by', part.slice(1, -1)] : part.split(/[^A-Za-z0-9]+/)))
    .filter((word) => word.length > 0);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

function operationOf(
  route: RouteOptions,
  schema: RouteSchema,
  method: string,
  path: string,
): Record<string, unknown> {
  const auth = route.config?.auth;
  const description = schema.description ?? schema.summary;
  const operation: Record<string, unknown> = {
    operationId: schema.operationId ?? defaultOperationId(method, path),
    ...(schema.summary ? { summary: schema.summary } : {}),
    ...(description ? { description } : {}),
    ...(schema.tags ? { tags: schema.tags } : {}),
    parameters: [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')],
    responses: responsesOf(schema.response),
  };
  if (schema.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: plain(schema.body) } },
    };
  }
  if (auth && 'roles' in auth) {
    operation.security = [{ bearer: [] }, { apiKey: [] }];
    operation['x-roles'] = auth.roles;
  } else {
    operation.security = [];
  }
  return operation;
}

function parametersOf(schema: unknown, location: 'path' | 'query'): unknown[] {
  const object = schema as { properties?: Record<string, unknown>; required?: readonly string[] } | undefined;
  if (!object?.properties) return [];
  return Object.entries(object.properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    schema: plain(property),
  }));
}

function responsesOf(responses: RouteSchema['response']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(responses ?? {})) {
    const byType = (schema as { content?: Record<string, { schema: unknown }> }).content;
    if (byType !== undefined) {
      // Fastify's per-content-type form: { content: { 'application/yaml': { schema } } }.
      out[status] = { description: `${status} response`, content: plain(byType) };
      continue;
    }
    const type = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
    out[status] = {
      description: `${status} response`,
      content: { [type]: { schema: plain(schema) } },
    };
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'Success' };
  out.default = PROBLEM;
  return out;
}

/** A schema as plain JSON (TypeBox adds symbol keys, which JSON drops). */
function plain(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema));
}
