import type { Migration } from 'kysely';
import type { ServiceName } from '../kernel/services.js';
import { authMigrations } from '../services/auth/store.js';
import { constitutionMigrations } from '../services/constitutional-ai/store.js';
import { evolutionMigrations } from '../services/darwin-godel-machine/store.js';
import { councilMigrations } from '../services/executive-council/store.js';
import { verificationMigrations } from '../services/formal-verification/store.js';
import { synthesisMigrations } from '../services/governance-synthesis/store.js';
import { integrityMigrations } from '../services/integrity/store.js';
import { pgcMigrations } from '../services/policy-governance/store.js';

type Migrations = Readonly<Record<string, Migration>>;

/** Each service's migrations, applied under the service's own name as migration owner. */
export const SERVICE_MIGRATIONS: Readonly<Record<ServiceName, Migrations>> = {
  auth: authMigrations,
  ac: constitutionMigrations,
  integrity: integrityMigrations,
  fv: verificationMigrations,
  gs: synthesisMigrations,
  pgc: pgcMigrations,
  ec: councilMigrations,
  dgm: evolutionMigrations,
};
