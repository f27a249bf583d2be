import type { ApiKeyResolver, VerificationKeySource } from './auth.js';
import type { ConstitutionContract } from './constitution.js';
import type { CouncilContract } from './council.js';
import type { IntegrityContract } from './integrity.js';
import type { PolicyGovernanceContract } from './policy-governance.js';
import type { PolicyChangeContract } from './synthesis.js';
import type { VerificationContract } from './verification.js';

/** What the guard of every process needs from the Auth service (JWKS and API-key resolution). */
export interface AuthenticationContract {
  readonly keys: VerificationKeySource;
  readonly apiKeys: ApiKeyResolver;
}

/**
 * Every contract one service offers the others, by name. The wiring layer fills it with the
 * in-process implementation when the providing service runs in this process and with its HTTP
 * client otherwise; a consuming service receives this record (or the part it names with `Pick`).
 * A new contract is one member here and one entry in `apps/service-catalogue.ts`'s REMOTE table.
 */
export interface Contracts {
  readonly authentication: AuthenticationContract;
  readonly constitution: ConstitutionContract;
  readonly integrity: IntegrityContract;
  readonly council: CouncilContract;
  readonly policyGovernance: PolicyGovernanceContract;
  readonly verification: VerificationContract;
  /**
   * Model-proposed changes for the Darwin Gödel Machine: present only where the synthesis service
   * has a chat model configured (in-process), or its URL is set explicitly (HTTP).
   */
  readonly policyChange: PolicyChangeContract | undefined;
}

export type ContractName = keyof Contracts;
