/**
 * Validated, compiled constitution versions by hash (vocabulary, invariants), so the compliance
 * check compiles a version once. Stored documents are immutable, so entries never go stale.
 */
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import { commonErrors } from '../../kernel/errors.js';
import { type ValidatedConstitution, validateConstitution } from './constitution-validator.js';

export class CompiledVersions {
  private readonly entries = new Map<string, ValidatedConstitution>();

  constructor(private readonly capacity = 8) {}

  get(hash: string, document: ConstitutionDocument): ValidatedConstitution {
    const hit = this.entries.get(hash);
    if (hit !== undefined) {
      this.entries.delete(hash);
      this.entries.set(hash, hit);
      return hit;
    }
    const result = validateConstitution(document);
    if (!result.ok) {
      // A stored version always validated when it was published; this means the code changed under it.
      throw commonErrors.create('INTERNAL_ERROR', `stored constitution ${hash} no longer validates`, {
        details: { errors: result.errors },
      });
    }
    this.entries.set(hash, result);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return result;
  }

  /** Seeds the cache with a document just validated. */
  put(hash: string, validated: ValidatedConstitution): void {
    this.entries.set(hash, validated);
  }
}
