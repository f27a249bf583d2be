import type { ConstitutionContract } from '../kernel/contracts/constitution.js';
import type { IntegrityContract } from '../kernel/contracts/integrity.js';
import type { ServiceName } from '../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../kit/service-module.js';
import { type AuthService, createAuthService } from '../services/auth/service.js';
import { ConstitutionClient } from '../services/constitutional-ai/client.js';
import { createConstitutionalAiService } from '../services/constitutional-ai/service.js';
import { createDarwinGodelMachineService } from '../services/darwin-godel-machine/service.js';
import { createExecutiveCouncilService } from '../services/executive-council/service.js';
import { createFormalVerificationService } from '../services/formal-verification/service.js';
import { createGovernanceSynthesisService } from '../services/governance-synthesis/service.js';
import { IntegrityClient } from '../services/integrity/client.js';
import { createIntegrityService } from '../services/integrity/service.js';
import { createPolicyGovernanceService } from '../services/policy-governance/service.js';

export interface WiredServices {
  readonly modules: readonly ServiceModule[];
  /** The constitution contract as this process reaches it: in-process if `ac` runs here, HTTP otherwise. */
  readonly constitution: ConstitutionContract;
  readonly constitutionIsLocal: boolean;
  /** The Auth service when it runs in this process (its key source and API-key resolver feed the guard). */
  readonly auth: AuthService | undefined;
  /** The log contract as this process reaches it: in-process if `integrity` runs here, HTTP otherwise. */
  readonly integrity: IntegrityContract;
}

type Factory = (context: ServiceContext) => ServiceModule;

const FACTORIES: Readonly<Record<Exclude<ServiceName, 'ac' | 'auth' | 'integrity' | 'pgc'>, Factory>> = {
  fv: createFormalVerificationService,
  gs: createGovernanceSynthesisService,
  ec: createExecutiveCouncilService,
  dgm: createDarwinGodelMachineService,
};

/**
 * Builds the services that run in this process and connects their contracts: a service that
 * runs here is called in-process; one that runs elsewhere through its HTTP client.
 */
export function wireServices(names: readonly ServiceName[], context: ServiceContext): WiredServices {
  const constitutionalAi = names.includes('ac') ? createConstitutionalAiService(context) : undefined;
  const constitution = constitutionalAi?.contract ?? new ConstitutionClient(context.config.serviceUrls.ac);
  const auth = names.includes('auth') ? createAuthService(context) : undefined;
  const integrityService = names.includes('integrity') ? createIntegrityService(context) : undefined;
  const integrity = integrityService?.contract ?? new IntegrityClient(context.config.serviceUrls.integrity);
  const modules = names.map((name) =>
    name === 'ac'
      ? constitutionalAi!
      : name === 'auth'
        ? auth!
        : name === 'integrity'
          ? integrityService!
          : name === 'pgc'
            ? createPolicyGovernanceService(context, { constitution, integrity })
            : FACTORIES[name](context),
  );
  return { modules, constitution, constitutionIsLocal: constitutionalAi !== undefined, auth, integrity };
}
