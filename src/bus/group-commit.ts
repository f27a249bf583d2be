/**
 * Group commit: calls that arrive while a write is in flight are written together in the next
 * one, so N concurrent publishes (or acks) cost one transaction — and one fsync — instead of N.
 * A lone call is written at once; nothing waits for a timer.
 */
export class GroupCommit<Item> {
  readonly #queue: { item: Item; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #draining = false;

  constructor(
    private readonly write: (items: readonly Item[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves once the item's batch is committed; rejects with the batch's error. */
  submit(item: Item): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
