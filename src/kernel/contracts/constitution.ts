import type { ConstitutionalHash } from '../constitutional-hash.js';

/**
 * What other services may ask the Constitutional AI service. Implemented in-process by the
 * service itself (embedded mode) and over HTTP by its client (distributed mode).
 */
export interface ConstitutionContract {
  /** The hash of the active constitution version (of the empty constitution before the first). */
  activeHash(): Promise<ConstitutionalHash>;
}
