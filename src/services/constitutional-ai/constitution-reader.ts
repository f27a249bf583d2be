import type { ConstitutionalHash } from '../../kernel/constitutional-hash.js';
import type { ConstitutionContract } from '../../kernel/contracts/constitution.js';
import { EMPTY_CONSTITUTION_HASH } from './empty-constitution.js';

/**
 * The in-process implementation of the Constitutional AI contract. Until versions are stored
 * (the constitution issue), the active constitution is the empty one.
 */
export class ConstitutionReader implements ConstitutionContract {
  async activeHash(): Promise<ConstitutionalHash> {
    return EMPTY_CONSTITUTION_HASH;
  }
}
