import { fileURLToPath } from 'node:url';
import { systemClock } from '../../kernel/clock.js';
import type { CouncilContract } from '../../kernel/contracts/council.js';
import { SERVICES } from '../../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../../kit/service-module.js';
import { CompiledVersions } from './compiled-versions.js';
import type { ConstitutionDeps } from './constitution-deps.js';
import { ConstitutionReader } from './constitution-reader.js';
import { OutboxRelay } from './outbox-relay.js';
import { constitutionRoutes } from './plugin.js';
import { ConstitutionStore } from './store.js';
import { bootstrapFromFile } from './usecases/bootstrap-from-file.js';
import { constitutionalHashFromHex } from './usecases/publish-version.js';

export interface ConstitutionalAiService extends ServiceModule {
  /** The in-process contract that the wiring layer hands to other services in embedded mode. */
  readonly contract: ConstitutionReader;
}

/** The example constitution shipped with the package (dist/src/services/constitutional-ai → root). */
export const EXAMPLE_CONSTITUTION_FILE = fileURLToPath(
  new URL('../../../../examples/constitution/constitution.yaml', import.meta.url),
);

/** How often the service re-reads the active version (another replica may have published one). */
const REFRESH_MS = 5000;

/** Which file to bootstrap from, if any: ACGS_CONSTITUTION_FILE, else the example in embedded mode. */
export function constitutionFileOf(context: Pick<ServiceContext, 'config'>): string | undefined {
  const configured = context.config.constitutionFile;
  if (configured === 'none') return undefined;
  if (configured !== undefined) return configured;
  return context.config.mode === 'embedded' ? EXAMPLE_CONSTITUTION_FILE : undefined;
}

/** Builds the Constitutional AI service from the adapters the wiring layer picked. */
export function createConstitutionalAiService(
  context: ServiceContext,
  contracts: { readonly council?: () => CouncilContract | undefined } = {},
): ConstitutionalAiService {
  const store = new ConstitutionStore(context.database);
  const logger = context.logger.child({ component: 'constitution' });
  const deps: ConstitutionDeps = {
    store,
    relay: new OutboxRelay(store, context.bus, logger),
    clock: systemClock,
    active: context.activeConstitution,
    compiled: new CompiledVersions(),
    logger,
    ...(contracts.council === undefined ? {} : { council: contracts.council }),
  };
  const contract = new ConstitutionReader(deps);
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    try {
      const latest = await store.latestHash();
      if (latest !== undefined) deps.active.update(constitutionalHashFromHex(latest.hash));
      await deps.relay.flush();
    } catch (error) {
      logger.debug({ err: error }, 'constitution refresh failed');
    }
  };
  return {
    descriptor: SERVICES.ac,
    routes: constitutionRoutes(deps, contract),
    contract,
    async start() {
      const file = constitutionFileOf(context);
      if (file !== undefined) {
        const version = await bootstrapFromFile(deps, file);
        if (version !== undefined)
          logger.info(
            { file, version: version.number, hash: version.hash },
            'constitution bootstrapped from file',
          );
      }
      await refresh();
      timer = setInterval(() => void refresh(), REFRESH_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
