import type { PlatformConfig } from '../kernel/config.js';
import type { ConstitutionContract } from '../kernel/contracts/constitution.js';
import type { CouncilContract } from '../kernel/contracts/council.js';
import type { ContractName, Contracts } from '../kernel/contracts/index.js';
import type { IntegrityContract } from '../kernel/contracts/integrity.js';
import type { PolicyGovernanceContract } from '../kernel/contracts/policy-governance.js';
import type { PolicyChangeContract } from '../kernel/contracts/synthesis.js';
import type { VerificationContract } from '../kernel/contracts/verification.js';
import type { ServiceName } from '../kernel/services.js';
import type { ServiceContext, ServiceModule } from '../kit/service-module.js';
import { createAuthService } from '../services/auth/service.js';
import { ConstitutionClient } from '../services/constitutional-ai/client.js';
import { createConstitutionalAiService } from '../services/constitutional-ai/service.js';
import { createDarwinGodelMachineService } from '../services/darwin-godel-machine/service.js';
import { CouncilClient } from '../services/executive-council/client.js';
import { createExecutiveCouncilService } from '../services/executive-council/service.js';
import { VerificationClient } from '../services/formal-verification/client.js';
import { createFormalVerificationService } from '../services/formal-verification/service.js';
import { PolicyChangeClient } from '../services/governance-synthesis/client.js';
import { createGovernanceSynthesisService } from '../services/governance-synthesis/service.js';
import { IntegrityClient } from '../services/integrity/client.js';
import { createIntegrityService } from '../services/integrity/service.js';
import { PolicyGovernanceClient } from '../services/policy-governance/client.js';
import { createPolicyGovernanceService } from '../services/policy-governance/service.js';
import { refusalCounter, verificationGate } from '../services/policy-governance/verification-gate.js';
import { remoteAuthentication } from './authenticator.js';

/**
 * Wiring in two plain phases. Phase 1 builds the services of this process that provide
 * contracts and collects their in-process implementations; every contract whose provider runs
 * elsewhere gets its HTTP client. Phase 2 builds the services that consume contracts, handing
 * each the complete `Contracts` record. Adding a service is one entry in SERVICE_CATALOGUE;
 * adding a contract is one member of `Contracts`, one entry in PROVIDER_OF and one in
 * REMOTE_CLIENTS (the compiler asks for each).
 */

/** Which service provides each contract. */
export const PROVIDER_OF = {
  authentication: 'auth',
  constitution: 'ac',
  integrity: 'integrity',
  council: 'ec',
  policyGovernance: 'pgc',
  verification: 'fv',
  policyChange: 'gs',
} as const satisfies Readonly<Record<ContractName, ServiceName>>;

/** The contracts a service provides, by the table above. */
export type ProvidedBy<N extends ServiceName> = {
  [K in ContractName]: (typeof PROVIDER_OF)[K] extends N ? K : never;
}[ContractName];

/**
 * A service that provides contracts: built first. It may keep references into `contracts` (the
 * constitution service, the PGC and the council call each other) but must not call them before
 * wiring is done: until then they are not resolved.
 */
export interface ProviderEntry<N extends ServiceName> {
  readonly provides: (
    context: ServiceContext,
    contracts: Contracts,
  ) => {
    readonly module: ServiceModule;
    readonly contracts: Pick<Contracts, ProvidedBy<N>>;
  };
}

/** A service that provides none: built second, with every contract at hand. */
export interface ConsumerEntry {
  readonly consumes: (context: ServiceContext, contracts: Contracts) => ServiceModule;
}

export type ServiceEntry<N extends ServiceName> = [ProvidedBy<N>] extends [never]
  ? ConsumerEntry
  : ProviderEntry<N>;

/** The one table of services: how each is built and what it provides. */
export const SERVICE_CATALOGUE: { readonly [N in ServiceName]: ServiceEntry<N> } = {
  auth: {
    provides: (context) => {
      const auth = createAuthService(context);
      return { module: auth, contracts: { authentication: { keys: auth.keys, apiKeys: auth.apiKeys } } };
    },
  },
  ac: {
    provides: (context, contracts) => {
      const ac = createConstitutionalAiService(context, { council: () => contracts.council });
      return { module: ac, contracts: { constitution: ac.contract } };
    },
  },
  integrity: {
    provides: (context) => {
      const integrity = createIntegrityService(context);
      return { module: integrity, contracts: { integrity: integrity.contract } };
    },
  },
  pgc: {
    provides: (context, contracts) => {
      const pgc = createPolicyGovernanceService(context, {
        constitution: contracts.constitution,
        integrity: contracts.integrity,
        council: () => contracts.council,
        verification: contracts.verification,
        // The verifier's gate: resolved when an activation runs, after wiring.
        extraGates: [
          verificationGate(
            { verify: (request) => contracts.verification.verify(request) },
            refusalCounter(context.metrics),
          ),
        ],
      });
      return { module: pgc, contracts: { policyGovernance: pgc.contract } };
    },
  },
  fv: {
    provides: (context, contracts) => {
      const fv = createFormalVerificationService(context, () => contracts);
      return { module: fv, contracts: { verification: fv.contract } };
    },
  },
  gs: {
    provides: (context, contracts) => {
      const gs = createGovernanceSynthesisService(context, {
        constitution: contracts.constitution,
        verification: contracts.verification,
        policies: contracts.policyGovernance,
        council: contracts.council,
      });
      // Without a configured model it provides none, and the DGM keeps its built-in operators.
      return { module: gs, contracts: { policyChange: gs.changes } };
    },
  },
  ec: {
    provides: (context, contracts) => {
      const ec = createExecutiveCouncilService(context, {
        constitution: contracts.constitution,
        policies: () => contracts.policyGovernance,
      });
      return { module: ec, contracts: { council: ec.contract } };
    },
  },
  dgm: {
    consumes: (context, contracts) =>
      createDarwinGodelMachineService(context, {
        constitution: contracts.constitution,
        verification: contracts.verification,
        council: contracts.council,
        ...(contracts.policyChange === undefined ? {} : { changes: contracts.policyChange }),
      }),
  },
};

/** Each contract over HTTP, for a process where its provider does not run. */
export const REMOTE_CLIENTS: { readonly [K in ContractName]: (config: PlatformConfig) => Contracts[K] } = {
  authentication: (config) => remoteAuthentication(config.serviceUrls.auth, config.authOutageGraceMs),
  constitution: (config): ConstitutionContract => new ConstitutionClient(config.serviceUrls.ac),
  integrity: (config): IntegrityContract => new IntegrityClient(config.serviceUrls.integrity),
  council: (config): CouncilContract => new CouncilClient(config.serviceUrls.ec),
  policyGovernance: (config): PolicyGovernanceContract => new PolicyGovernanceClient(config.serviceUrls.pgc),
  verification: (config): VerificationContract => new VerificationClient(config.serviceUrls.fv),
  // Only where the synthesis URL is set: a default URL would add the operator without a model.
  policyChange: (config): PolicyChangeContract | undefined =>
    config.configuredServiceUrls.has('gs') ? new PolicyChangeClient(config.serviceUrls.gs) : undefined,
};

type AnyEntry =
  | ConsumerEntry
  | {
      readonly provides: (
        context: ServiceContext,
        contracts: Contracts,
      ) => {
        readonly module: ServiceModule;
        readonly contracts: Partial<Contracts>;
      };
    };

export interface WiredServices {
  /** The modules of this process, in the order of `names`. */
  readonly modules: readonly ServiceModule[];
  /** Every contract as this process reaches it: in-process where its provider runs here, HTTP otherwise. */
  readonly contracts: Contracts;
  /** The contracts whose provider runs in this process. */
  readonly local: ReadonlySet<ContractName>;
}

/**
 * Builds the services that run in this process and connects their contracts: a service that
 * runs here is called in-process; one that runs elsewhere through its HTTP client.
 */
export function wireServices(names: readonly ServiceName[], context: ServiceContext): WiredServices {
  const built = new Map<ServiceName, ServiceModule>();
  const provided: Partial<Record<ContractName, unknown>> = {};
  let resolved: Contracts | undefined;
  // Providers get the record before it is filled; each member resolves on first use after wiring.
  const later = deferredContracts(() => {
    if (resolved === undefined) throw new Error('a contract was called before wiring finished');
    return resolved;
  });
  for (const name of names) {
    const entry: AnyEntry = SERVICE_CATALOGUE[name];
    if (!('provides' in entry)) continue;
    const { module, contracts } = entry.provides(context, later);
    built.set(name, module);
    Object.assign(provided, contracts);
  }
  const contracts = Object.fromEntries(
    (Object.keys(PROVIDER_OF) as ContractName[]).map((contract) => [
      contract,
      // A provider here that provides none (synthesis without a model) is not asked of another process.
      contract in provided ? provided[contract] : REMOTE_CLIENTS[contract](context.config),
    ]),
  ) as unknown as Contracts;
  resolved = contracts;
  for (const name of names) {
    const entry: AnyEntry = SERVICE_CATALOGUE[name];
    if ('consumes' in entry) built.set(name, entry.consumes(context, contracts));
  }
  return {
    modules: names.map((name) => built.get(name)!),
    contracts,
    local: new Set((Object.keys(provided) as ContractName[]).filter((name) => provided[name] !== undefined)),
  };
}

/** A `Contracts` record whose members forward to `resolve()`'s, looked up at each use. */
function deferredContracts(resolve: () => Contracts): Contracts {
  const members = new Map<PropertyKey, unknown>();
  return new Proxy({} as Contracts, {
    get(_target, name) {
      if (!members.has(name))
        members.set(
          name,
          deferred(() => resolve()[name as ContractName] as object),
        );
      return members.get(name);
    },
  });
}

function deferred<T extends object>(resolve: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const target = resolve() as Record<PropertyKey, unknown>;
      const value = target[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
