import type { ConstitutionalHash } from '../kernel/constitutional-hash.js';

/**
 * The active constitutional hash as the kit stamps it on every response. Read synchronously on the
 * hot path; the wiring layer updates it when the Constitutional AI service publishes a version.
 */
export class ActiveConstitution {
  private value: ConstitutionalHash;

  constructor(initial: ConstitutionalHash) {
    this.value = initial;
  }

  current(): ConstitutionalHash {
    return this.value;
  }

  update(next: ConstitutionalHash): void {
    this.value = next;
  }
}
