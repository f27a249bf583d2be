/**
 * The PGC's routes through the real kit for `inject()` tests, with test credentials:
 * `authorization: Test <subject> <role>,<role>` (an `agent` speaks for the request's principal,
 * like a gateway).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/kernel/config.js';
import type { ConstitutionContract } from '../../src/kernel/contracts/constitution.js';
import type { IntegrityContract } from '../../src/kernel/contracts/integrity.js';
import type { Role } from '../../src/kernel/roles.js';
import { SERVICES } from '../../src/kernel/services.js';
import { createServer } from '../../src/kit/create-server.js';
import { HttpMetrics } from '../../src/kit/http-metrics.js';
import type { Authenticator } from '../../src/kit/route-auth.js';
import type { ServiceContext, ServiceModule } from '../../src/kit/service-module.js';
import { createConstitutionalAiService } from '../../src/services/constitutional-ai/service.js';
import { constitutionMigrations } from '../../src/services/constitutional-ai/store.js';
import { createIntegrityService } from '../../src/services/integrity/service.js';
import { integrityMigrations } from '../../src/services/integrity/store.js';
import type { ActivationGate } from '../../src/services/policy-governance/activation-gates.js';
import { createPolicyGovernanceService } from '../../src/services/policy-governance/service.js';
import { pgcMigrations } from '../../src/services/policy-governance/store.js';
import { createDatabase } from '../../src/storage/index.js';
import { openTestServiceContext } from './service-context.js';

export const testAuthenticator: Authenticator = {
  async authenticate(request: FastifyRequest) {
    const [scheme, subject, roles] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Test' || subject === undefined) return undefined;
    const granted = (roles ?? '').split(',').filter(Boolean) as Role[];
    return { subject, roles: granted, scopes: [], kind: 'user', delegate: granted.includes('agent') };
  },
};

/** Headers of a test caller `someone-<role>` with one role. */
export const as = (role: Role) => ({ authorization: `Test someone-${role} ${role}` });

/** A ready server with only the PGC's routes (distributed-mode kit, HTTP metrics, test credentials). */
export async function pgcTestApp(
  context: ServiceContext,
  pgc: Pick<ServiceModule, 'routes'>,
): Promise<FastifyInstance> {
  const app = await createServer({
    config: loadConfig({ mode: 'distributed', service: 'pgc' }, {}),
    logger: pino({ level: 'silent' }),
    modules: [{ descriptor: SERVICES.pgc, routes: pgc.routes }],
    dependencyChecks: [],
    constitution: context.activeConstitution,
    metrics: new HttpMetrics(),
    authenticator: testAuthenticator,
    version: 'test',
  });
  await app.ready();
  return app;
}

export interface PgcTestStack {
  readonly context: ServiceContext;
  readonly app: FastifyInstance;
  readonly constitution: ConstitutionContract;
  readonly integrity: IntegrityContract;
  close(): Promise<void>;
}

/**
 * The PGC over the real Constitutional AI and Integrity services on a throw-away SQLite database,
 * started, with its routes served for `inject()`. `gates` adds activation gates built on the two
 * contracts (e.g. the verifier's).
 */
export async function openPgcTestStack(
  name: string,
  gates: (contracts: {
    constitution: ConstitutionContract;
    integrity: IntegrityContract;
  }) => ActivationGate[] = () => [],
): Promise<PgcTestStack> {
  const dir = mkdtempSync(join(tmpdir(), `acgs-pgc-${name}-`));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  const context = await openTestServiceContext(
    database,
    dir,
    { ac: constitutionMigrations, integrity: integrityMigrations, pgc: pgcMigrations },
    name,
  );
  const ac = createConstitutionalAiService(context);
  const integrity = createIntegrityService(context);
  const contracts = { constitution: ac.contract, integrity: integrity.contract };
  const pgc = createPolicyGovernanceService(context, { ...contracts, extraGates: gates(contracts) });
  const modules: ServiceModule[] = [ac, integrity, pgc];
  for (const m of modules) await m.start?.();
  const app = await pgcTestApp(context, pgc);
  return {
    context,
    app,
    ...contracts,
    async close() {
      await app.close();
      for (const m of [...modules].reverse()) await m.stop?.();
      await context.bus.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
