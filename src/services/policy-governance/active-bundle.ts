/**
 * The bundle this replica decides with: one immutable reference to a compiled engine. A decision
 * reads the reference once at its start and uses only that, so a swap never changes the bundle
 * under a decision in flight, and no decision waits for or fails because of a swap.
 */
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import { compilePolicySet, type PolicyEngine, parseVocabulary } from '../../policy/index.js';
import { pgcErrors } from './errors.js';
import type { StoredBundle } from './store.js';

export interface LoadedBundle {
  readonly id: string;
  readonly constitutionHash: string;
  readonly constitutionShort: string;
  /** The active pointer's generation this bundle was installed at (0 when only compiled). */
  readonly generation: number;
  readonly engine: PolicyEngine;
  readonly stored: StoredBundle;
}

/**
 * Compiles a stored bundle against the vocabulary and default decision of the constitution it
 * carries; checks that the carried constitution is the one its hash names.
 */
export function compileBundle(stored: StoredBundle, generation = 0): LoadedBundle {
  const actual = constitutionalHashOf(stored.constitution).hash;
  if (actual !== stored.constitutionHash) {
    throw pgcErrors.create(
      'PGC_BUNDLE_SIGNATURE_INVALID',
      `bundle ${stored.id} carries a constitution whose hash is ${actual}`,
    );
  }
  const vocabulary = parseVocabulary(stored.constitution.vocabulary);
  const engine = compilePolicySet(stored.policies, vocabulary, {
    defaultDecision: stored.constitution.defaultDecision,
  });
  return {
    id: stored.id,
    constitutionHash: stored.constitutionHash,
    constitutionShort: stored.constitutionHash.slice(0, 16),
    generation,
    engine,
    stored,
  };
}

export class ActiveBundle {
  #current: LoadedBundle | undefined;
  readonly #listeners: ((bundle: LoadedBundle) => void)[] = [];

  get current(): LoadedBundle | undefined {
    return this.#current;
  }

  /** The active bundle, or PGC_NO_ACTIVE_BUNDLE (503) before the first activation. */
  require(): LoadedBundle {
    const bundle = this.#current;
    if (bundle === undefined) {
      throw pgcErrors.create('PGC_NO_ACTIVE_BUNDLE', 'no policy bundle has been activated yet', {
        headers: { 'retry-after': '1' },
      });
    }
    return bundle;
  }

  /** Installs `next` unless a later generation is already installed; returns whether it did. */
  install(next: LoadedBundle): boolean {
    const current = this.#current;
    if (current !== undefined && current.generation >= next.generation) return false;
    this.#current = next;
    for (const listener of this.#listeners) listener(next);
    return true;
  }

  onSwap(listener: (bundle: LoadedBundle) => void): void {
    this.#listeners.push(listener);
  }
}
