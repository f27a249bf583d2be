import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

interface OpenApiDocument {
  readonly openapi: string;
  readonly info: Record<string, unknown>;
  readonly paths?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** The part of a merged document whose paths start with one of `prefixes`. */
export function documentForPrefixes(
  document: OpenApiDocument,
  title: string,
  prefixes: readonly string[],
): OpenApiDocument {
  const paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).filter(([path]) =>
      prefixes.some((prefix) => path.startsWith(prefix)),
    ),
  );
  return { ...document, info: { ...document.info, title: `ACGS ${title} API` }, paths };
}

/** The merged OpenAPI 3.1 document of every route registered on `app`. */
export function mergedDocument(app: FastifyInstance): OpenApiDocument {
  return app.swagger() as unknown as OpenApiDocument;
}
