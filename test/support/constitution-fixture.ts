/** Test support: the service's use cases on a throw-away SQLite database with the local bus. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { EventBus } from '../../src/bus/event-bus.js';
import { LocalEventBus } from '../../src/bus/index.js';
import type { Clock } from '../../src/kernel/clock.js';
import { loadConfig } from '../../src/kernel/config.js';
import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import type {
  ConstitutionContract,
  ConstitutionDocument,
  ConstitutionVersion,
} from '../../src/kernel/contracts/constitution.js';
import { SERVICES } from '../../src/kernel/services.js';
import { ActiveConstitution } from '../../src/kit/active-constitution.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import type { Authenticator } from '../../src/kit/route-auth.js';
import { CompiledVersions } from '../../src/services/constitutional-ai/compiled-versions.js';
import type { ConstitutionDeps } from '../../src/services/constitutional-ai/constitution-deps.js';
import { ConstitutionReader } from '../../src/services/constitutional-ai/constitution-reader.js';
import { parseConstitutionText } from '../../src/services/constitutional-ai/constitution-text.js';
import { EMPTY_CONSTITUTION_HASH } from '../../src/services/constitutional-ai/empty-constitution.js';
import { OutboxRelay } from '../../src/services/constitutional-ai/outbox-relay.js';
import { constitutionRoutes } from '../../src/services/constitutional-ai/plugin.js';
import { ConstitutionStore, constitutionMigrations } from '../../src/services/constitutional-ai/store.js';
import type { StoredBundle } from '../../src/services/policy-governance/store.js';
import type { Database } from '../../src/storage/database.js';
import { createDatabase } from '../../src/storage/index.js';
import { PassedProposals } from './passed-proposals.js';
import { createTemporaryPostgresDatabase } from './postgres-database.js';

export const EXAMPLE_FILE = fileURLToPath(
  new URL('../../../examples/constitution/constitution.yaml', import.meta.url),
);
export const EXAMPLE_POLICIES = fileURLToPath(
  new URL('../../../examples/constitution/policies', import.meta.url),
);

/** The example constitution, validated (throws if it does not validate). */
export function exampleConstitution() {
  const parsed = parseConstitutionText(readFileSync(EXAMPLE_FILE, 'utf8'), { file: EXAMPLE_FILE });
  if (!parsed.ok)
    throw new Error(`example constitution invalid: ${JSON.stringify(parsed.errors.slice(0, 5))}`);
  return parsed;
}

/**
 * The example constitution as the active version behind a read-only constitution contract, for a
 * service built alone in a test (no Constitutional AI service): `activeHash` and `activeVersion`.
 */
export function exampleConstitutionReader(): {
  readonly version: ConstitutionVersion;
  readonly contract: ConstitutionContract;
} {
  const document = exampleConstitution().document;
  const version: ConstitutionVersion = {
    number: 1,
    hash: constitutionalHashOf(document).hash,
    short: 'example',
    document,
    publishedAt: '2026-12-01T00:00:00Z',
    publishedBy: 'admin',
    via: 'bootstrap',
  };
  const contract = {
    activeHash: async () => ({ hash: version.hash, short: version.hash.slice(0, 16) }),
    activeVersion: async () => version,
  } as unknown as ConstitutionContract;
  return { version, contract };
}

/** An unsigned stored bundle of `policies` for the example constitution (for gates and classifiers). */
export function exampleStoredBundle(id: string, policies: readonly unknown[]): StoredBundle {
  const { version } = exampleConstitutionReader();
  return {
    id,
    constitutionHash: version.hash,
    constitution: version.document,
    policies,
    suites: [],
    signature: '',
    keyId: '',
    createdAt: new Date(0).toISOString(),
    createdBy: 'test',
  };
}

/** A deep copy of the example document as plain JSON, for tests that change it. */
export function exampleDocument(): ConstitutionDocument {
  return JSON.parse(JSON.stringify(exampleConstitution().document)) as ConstitutionDocument;
}

export interface ConstitutionFixture {
  readonly deps: ConstitutionDeps;
  /** Which proposals the council passed: enactment is refused without one. */
  readonly council: PassedProposals;
  readonly database: Database;
  readonly bus: EventBus;
  readonly clock: Clock & { advance(ms: number): void };
  readonly dbPath: string;
  close(): Promise<void>;
}

/** Opens the fixture on a new SQLite file, or on `postgresUrl` (a throw-away database) when given. */
export async function openConstitutionFixture(
  postgresUrl?: string,
  sqliteFile?: string,
): Promise<ConstitutionFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-ac-'));
  const dbPath = sqliteFile ?? join(dir, 'ac.db');
  const temporary =
    postgresUrl === undefined ? undefined : await createTemporaryPostgresDatabase(postgresUrl, 'ac');
  const database = createDatabase(temporary?.url ?? dbPath);
  await database.migrate('ac', constitutionMigrations);
  const bus = await LocalEventBus.open(database);
  const store = new ConstitutionStore(database);
  let now = Date.parse('2026-11-30T06:00:00Z');
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const logger = pino({ level: 'silent' });
  const council = new PassedProposals();
  const deps: ConstitutionDeps = {
    council: () => council,
    store,
    relay: new OutboxRelay(store, bus, logger),
    clock,
    active: new ActiveConstitution(EMPTY_CONSTITUTION_HASH),
    compiled: new CompiledVersions(),
    logger,
  };
  return {
    deps,
    council,
    database,
    bus,
    clock,
    dbPath,
    async close() {
      await bus.close();
      await database.close();
      await temporary?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Constitutional AI routes on the real kit over the fixture, guarded by `authenticator`. */
export async function buildConstitutionServer(
  f: ConstitutionFixture,
  authenticator: Authenticator,
): Promise<FastifyInstance> {
  const app = await createServer({
    config: loadConfig({ mode: 'distributed', service: 'ac' }, {}),
    logger: pino({ level: 'silent' }),
    modules: [
      { descriptor: SERVICES.ac, routes: constitutionRoutes(f.deps, new ConstitutionReader(f.deps)) },
    ],
    dependencyChecks: [],
    constitution: f.deps.active,
    metrics: new HttpMetrics(),
    authenticator,
    version: 'test',
  });
  await app.ready();
  return app;
}
