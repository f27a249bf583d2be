import type { FastifyPluginAsync } from 'fastify';
import type { ApiKeyResolver } from '../../kernel/contracts/auth.js';
import type { AuthDeps } from './auth-deps.js';
import { registerApiKeyRoutes } from './routes/api-key-routes.js';
import { registerKeyRoutes } from './routes/key-routes.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerTotpRoutes } from './routes/totp-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';

/** The Auth service's routes: sessions, users, API keys, TOTP, and the JWKS. */
export function authRoutes(deps: AuthDeps, resolver: ApiKeyResolver): FastifyPluginAsync {
  return async (app) => {
    registerSessionRoutes(app, deps);
    registerUserRoutes(app, deps);
    registerApiKeyRoutes(app, deps, resolver);
    registerTotpRoutes(app, deps);
    registerKeyRoutes(app, deps);
  };
}
