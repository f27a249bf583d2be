/** Compiled bundles by id (bundles are immutable, so an entry never goes stale). */
import { compileBundle, type LoadedBundle } from './active-bundle.js';
import type { StoredBundle } from './store.js';

export class BundleCache {
  readonly #entries = new Map<string, LoadedBundle>();

  constructor(private readonly capacity = 8) {}

  compiled(stored: StoredBundle): LoadedBundle {
    const hit = this.#entries.get(stored.id);
    if (hit !== undefined) {
      this.#entries.delete(stored.id);
      this.#entries.set(stored.id, hit);
      return hit;
    }
    const loaded = compileBundle(stored);
    this.#entries.set(stored.id, loaded);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return loaded;
  }

  get(id: string): LoadedBundle | undefined {
    return this.#entries.get(id);
  }
}
