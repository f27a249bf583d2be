import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { commonErrors } from '../kernel/errors.js';
import type { Principal, Role } from '../kernel/roles.js';
import { ROLES } from '../kernel/roles.js';
import type { ServiceName } from '../kernel/services.js';
import type { ClientRateLimiter } from './client-rate-limiter.js';

/**
 * Every route declares who may call it: `{ public: true }` (health, metrics, public keys, the
 * OpenAPI document) or `{ roles: [...] }`. A route that declares neither refuses to start.
 */
export type RouteAuth =
  | { readonly public: true }
  | {
      readonly roles: readonly Role[];
      /**
       * For a route between services: the services (`svc-<name>` identities) the `service` role
       * admits. Absent: any caller with the `service` role. Other roles are unaffected.
       */
      readonly services?: readonly ServiceName[];
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
    /** Set by the kit: the service that owns the route (metrics label). */
    service?: string;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /**
     * Every route registered on this server with its options (`config.auth`, `config.service`),
     * in registration order: the authorisation matrix test walks it.
     */
    readonly declaredRoutes: readonly RouteOptions[];
  }
}

/** Verifies the credentials of a request (bearer token or API key); supplied by the Auth service. */
export interface Authenticator {
  /** Returns the caller, or undefined when the request carries no credentials; throws AUTH_* errors for bad ones. */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

export class UndeclaredRouteAuthError extends Error {
  override readonly name = 'UndeclaredRouteAuthError';
}

/** onRoute check: fails start-up for a route without a valid `config.auth`. */
export function assertRouteDeclaresAuth(route: RouteOptions): void {
  const auth = route.config?.auth;
  const where = `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`;
  if (auth === undefined) {
    throw new UndeclaredRouteAuthError(
      `route ${where} declares no auth: set config.auth to { public: true } or { roles: [...] }`,
    );
  }
  if ('roles' in auth) {
    if (auth.roles.length === 0)
      throw new UndeclaredRouteAuthError(`route ${where} declares an empty role list`);
    if (auth.services !== undefined && (!auth.roles.includes('service') || auth.services.length === 0))
      throw new UndeclaredRouteAuthError(`route ${where} names services but does not admit the service role`);
    const unknown = auth.roles.filter((role) => !(ROLES as readonly string[]).includes(role));
    if (unknown.length > 0)
      throw new UndeclaredRouteAuthError(`route ${where} declares unknown roles ${unknown.join(', ')}`);
  }
}

function admits(
  auth: { readonly roles: readonly Role[]; readonly services?: readonly ServiceName[] },
  role: Role,
  principal: Principal,
): boolean {
  if (!auth.roles.includes(role)) return false;
  if (role !== 'service' || auth.services === undefined) return true;
  return principal.service !== undefined && auth.services.includes(principal.service);
}

/**
 * Counts a request of `client` (with its own minute limit, if it has one); throws 429
 * RATE_LIMITED with Retry-After when it is over its limit.
 */
export function limitClient(limiter: ClientRateLimiter, client: string, ownPerMinute?: number): void {
  const verdict = limiter.hit(client, ownPerMinute);
  if (verdict.limited) {
    throw commonErrors.create('RATE_LIMITED', 'too many requests from this client; slow down', {
      headers: { 'retry-after': String(verdict.retryAfterSeconds) },
    });
  }
}

/**
 * The guard: a preHandler that authenticates the caller and checks the route's roles.
 * Without an authenticator no credential can be verified, so every protected route answers 401.
 */
export function createGuard(authenticator: Authenticator | undefined, limiter?: ClientRateLimiter) {
  return async function guard(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const auth = request.routeOptions.config.auth;
    if (auth === undefined || 'public' in auth) return;
    let principal: Principal | undefined;
    try {
      principal = authenticator ? await authenticator.authenticate(request) : undefined;
    } catch (error) {
      // Bad credentials count against the address: guessing tokens is limited like anonymous traffic.
      if (limiter) limitClient(limiter, `ip:${request.ip}`);
      throw error;
    }
    if (principal === undefined) {
      if (limiter) limitClient(limiter, `ip:${request.ip}`);
      throw commonErrors.create('AUTH_REQUIRED', 'this route needs a bearer token or an API key', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    // Per credential: an API key created with a limit of its own is counted per key against it.
    if (limiter) {
      const own = principal.ownRateLimit;
      if (own === undefined) limitClient(limiter, `sub:${principal.subject}`);
      else limitClient(limiter, own.client, own.perMinute);
    }
    request.principal = principal;
    if (!principal.roles.some((role) => admits(auth, role, principal))) {
      throw commonErrors.create(
        'AUTH_FORBIDDEN',
        auth.services !== undefined && principal.roles.includes('service')
          ? `this route admits only the services ${auth.services.map((s) => `svc-${s}`).join(', ')}${auth.roles.length > 1 ? ` and the roles ${auth.roles.filter((r) => r !== 'service').join(', ')}` : ''}`
          : `this route needs one of the roles ${auth.roles.join(', ')}`,
      );
    }
  };
}
