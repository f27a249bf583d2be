import type { ApiKeyResolver, VerificationKeySource } from '../../kernel/contracts/auth.js';
import { SERVICES } from '../../kernel/services.js';
import { resealStoredSecrets, type SealedColumn } from '../../kit/reseal-secrets.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import type { AuthDeps } from './auth-deps.js';
import { type AuthSettings, loadAuthSettings } from './auth-settings.js';
import { PiiPseudonymizer } from './pii-pseudonyms.js';
import { authRoutes } from './plugin.js';
import { PrincipalBindingStore } from './principal-bindings.js';
import { SecurityEventOutbox } from './security-events.js';
import { relistRevocationsIfLost, restoreRevocations } from './session-tokens.js';
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
/** How often the outbox is moved to the bus when nothing else triggered it. */
const OUTBOX_RELAY_MS = 5_000;
/** How often a replica checks that the cache still holds the revocation list. */
const REVOCATION_CHECK_MS = 1_000;
/** How long an in-process API-key resolution is remembered (revocation is checked apart). */
const RESOLUTION_CACHE_MS = 5_000;

/** The Auth use cases' dependencies over a set of adapters (the service, and the CLI's commands). */
export function authDeps(
  adapters: Pick<ServiceContext, 'database' | 'bus' | 'cache' | 'logger'>,
  settings: AuthSettings,
): AuthDeps {
  const store = new AuthStore(adapters.database);
  const pseudonyms = new PiiPseudonymizer(adapters.database);
  const now = () => Date.now();
  const logger = adapters.logger.child({ component: 'auth' });
  return {
    events: new SecurityEventOutbox(store, adapters.bus, logger, now, (data) => pseudonyms.apply(data)),
    store,
    bindings: new PrincipalBindingStore(adapters.database),
    cache: adapters.cache,
    bus: adapters.bus,
    keyRing: new SigningKeyRing(
      store,
      publicationGraceMs(settings.accessTokenTtlSeconds),
      now,
      settings.keyActivationMs,
    ),
    settings,
    pseudonyms,
    logger,
    now,
  };
}

/** Where the Auth service keeps secrets: signing keys, TOTP secrets, the pseudonym key. */
const AUTH_SECRETS: readonly SealedColumn[] = [
  { table: 'auth_signing_keys', key: 'kid', column: 'private_pkcs8' },
  { table: 'auth_users', key: 'id', column: 'totp_secret' },
  { table: 'auth_secrets', key: 'name', column: 'value' },
];

/** Builds the Auth service from the adapters the wiring layer picked. */
export function createAuthService(context: ServiceContext, options: AuthServiceOptions = {}): AuthService {
  const deps = authDeps(context, options.settings ?? loadAuthSettings(process.env));
  const { store, keyRing } = deps;
  const apiKeys = new CachingApiKeyResolver(
    new StoreApiKeyResolver(store, deps.bindings, deps.pseudonyms),
    RESOLUTION_CACHE_MS,
  );
  let reloadTimer: NodeJS.Timeout | undefined;
  let relayTimer: NodeJS.Timeout | undefined;
  let revocationTimer: NodeJS.Timeout | undefined;
  let checking = false;
  const checkRevocationList = () => {
    if (checking) return;
    checking = true;
    void listAgainIfLost().finally(() => {
      checking = false;
    });
  };
  const listAgainIfLost = () =>
    relistRevocationsIfLost(deps).then(
      (restored) => {
        if (restored !== undefined)
          deps.logger.warn({ restored }, 'the cache had lost the revocation list; listed again');
      },
      // The cache is away: guards refuse meanwhile (fail closed); the next check lists again.
      () => undefined,
    );
  return {
    descriptor: SERVICES.auth,
    routes: authRoutes(deps, apiKeys),
    keys: keyRing,
    apiKeys,
    deps,
    async start() {
      const resealed = await resealStoredSecrets(context.database, AUTH_SECRETS);
      if (resealed > 0) deps.logger.info({ resealed }, 'secrets sealed again with the current KEK');
      await keyRing.ensureKey();
      await restoreRevocations(deps);
      await bootstrapAdmin(deps, options.reveal ?? ((text) => process.stderr.write(text)));
      reloadTimer = setInterval(() => {
        keyRing
          .reload()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'signing keys not reloaded'));
      }, KEY_RELOAD_MS);
      reloadTimer.unref();
      // Events left in the outbox (bus down, or a crash) are moved on start and then regularly.
      void deps.events.flush();
      relayTimer = setInterval(() => void deps.events.flush(), OUTBOX_RELAY_MS);
      relayTimer.unref();
      revocationTimer = setInterval(checkRevocationList, REVOCATION_CHECK_MS);
      revocationTimer.unref();
    },
    async stop() {
      clearInterval(reloadTimer);
      clearInterval(relayTimer);
      clearInterval(revocationTimer);
      await deps.events.flush();
    },
  };
}
