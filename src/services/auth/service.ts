import type { ApiKeyResolver, VerificationKeySource } from '../../kernel/contracts/auth.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import type { AuthDeps } from './auth-deps.js';
import { type AuthSettings, loadAuthSettings } from './auth-settings.js';
import { authRoutes } from './plugin.js';
import { publicationGraceMs, SigningKeyRing } from './signing-key-ring.js';
import { AuthStore } from './store.js';
import { bootstrapAdmin } from './usecases/bootstrap-admin.js';
import { CachingApiKeyResolver, StoreApiKeyResolver } from './usecases/resolve-api-key.js';

export interface AuthService extends ServiceModule {
  /** In-process key source and API-key resolver for the guard of this process. */
  readonly keys: VerificationKeySource;
  readonly apiKeys: ApiKeyResolver;
  readonly deps: AuthDeps;
}

export interface AuthServiceOptions {
  readonly settings?: AuthSettings;
  /** Where the generated first-admin password is shown (default: stderr). */
  readonly reveal?: (text: string) => void;
}

/** How often a replica re-reads the signing keys (another replica may have rotated). */
const KEY_RELOAD_MS = 30_000;
/** How long an in-process API-key resolution is remembered (revocation is checked apart). */
const RESOLUTION_CACHE_MS = 5_000;

/** Builds the Auth service from the adapters the wiring layer picked. */
export function createAuthService(context: ServiceContext, options: AuthServiceOptions = {}): AuthService {
  const settings = options.settings ?? loadAuthSettings(process.env);
  const store = new AuthStore(context.database);
  const now = () => Date.now();
  const keyRing = new SigningKeyRing(store, publicationGraceMs(settings.accessTokenTtlSeconds), now);
  const deps: AuthDeps = {
    store,
    cache: context.cache,
    bus: context.bus,
    keyRing,
    settings,
    logger: context.logger.child({ component: 'auth' }),
    now,
  };
  const apiKeys = new CachingApiKeyResolver(new StoreApiKeyResolver(store), RESOLUTION_CACHE_MS);
  let reloadTimer: NodeJS.Timeout | undefined;
  return {
    descriptor: SERVICES.auth,
    routes: authRoutes(deps, apiKeys),
    keys: keyRing,
    apiKeys,
    deps,
    async start() {
      await keyRing.ensureKey();
      await bootstrapAdmin(deps, options.reveal ?? ((text) => process.stderr.write(text)));
      reloadTimer = setInterval(() => {
        keyRing
          .reload()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'signing keys not reloaded'));
      }, KEY_RELOAD_MS);
      reloadTimer.unref();
    },
    async stop() {
      clearInterval(reloadTimer);
    },
  };
}
