import type { RouteOptions } from 'fastify';

/**
 * The methods a server answers on a path, for a 405 with `Allow` (RFC 9110 §15.5.6) instead of a
 * 404 when the path exists but not with the method asked. Fastify's router gives no such lookup, so
 * the declared routes' URLs are turned into patterns: `:name` (with or without a regex) is one path
 * segment, `*` the rest of the path.
 */
export class AllowedMethods {
  #compiled: { pattern: RegExp; methods: string[] }[] | undefined;
  #compiledFrom = -1;

  constructor(private readonly routes: readonly RouteOptions[]) {}

  for(path: string): string[] {
    const allowed = new Set<string>();
    for (const { pattern, methods } of this.#patterns())
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  }

  #patterns() {
    // Routes are all declared before the server listens; recompile only if one was added since.
    if (this.#compiled === undefined || this.#compiledFrom !== this.routes.length) {
      this.#compiled = this.routes.map((route) => ({
        pattern: patternOf(route.url),
        methods: [route.method].flat().map((method) => method.toUpperCase()),
      }));
      this.#compiledFrom = this.routes.length;
    }
    return this.#compiled;
  }
}

function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
