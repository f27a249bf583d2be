import type { ConstitutionalHash } from '../../kernel/constitutional-hash.js';
import type {
  ConstitutionContract,
  ConstitutionVersion,
  EnactOptions,
  EnactSource,
  ResolvedConstitution,
} from '../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from './constitution-deps.js';
import { EMPTY_CONSTITUTION_HASH } from './empty-constitution.js';
import { enactVersion, resolveConstitution } from './usecases/enact-version.js';
import { constitutionalHashFromHex } from './usecases/publish-version.js';

/**
 * The in-process implementation of the Constitutional AI contract: reads come from the store
 * (so every replica agrees), enactment publishes through the same use case as the HTTP route.
 */
export class ConstitutionReader implements ConstitutionContract {
  constructor(private readonly deps: ConstitutionDeps) {}

  async activeHash(): Promise<ConstitutionalHash> {
    const latest = await this.deps.store.latestHash();
    return latest === undefined ? EMPTY_CONSTITUTION_HASH : constitutionalHashFromHex(latest.hash);
  }

  activeVersion(): Promise<ConstitutionVersion | undefined> {
    return this.deps.store.latestVersion();
  }

  enact(source: EnactSource, options: EnactOptions): Promise<ConstitutionVersion> {
    return enactVersion(this.deps, source, options);
  }

  resolve(source: EnactSource): Promise<ResolvedConstitution> {
    return resolveConstitution(this.deps, source);
  }
}
