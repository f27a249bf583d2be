/**
 * Wakes long-polls waiting for a review outcome when this replica resolves the task. Another
 * replica's resolution is seen by the waiter's own re-reads of the table (docs/council.md §7).
 */
export class OutcomeWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves when `notify(decisionId)` is called or after `ms`, whichever is first. */
  wait(decisionId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiting.get(decisionId) ?? new Set<() => void>();
      this.waiting.set(decisionId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiting.delete(decisionId);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  notify(decisionId: string): void {
    for (const done of [...(this.waiting.get(decisionId) ?? [])]) done();
  }
}
