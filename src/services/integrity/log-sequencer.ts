import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { LogAppendOptions } from '../../kernel/contracts/integrity.js';
import { PlatformError } from '../../kernel/errors.js';
import {
  CompactRange,
  frontierNodeIds,
  type Hash,
  hashLeaf,
  type NodeWrite,
  nodeKey,
  signCheckpoint,
} from '../../merkle/index.js';
import type { Database, DatabaseListener } from '../../storage/database.js';
import { integrityErrors } from './errors.js';
import type { LogMetrics } from './log-metrics.js';
import type { KeyedReceipt, LogBatch, LogStore, PendingAppend, StoredCheckpoint } from './log-store.js';
import type { SequencerLease } from './sequencer-lease.js';
import type { LogIdentity } from './signing-keys.js';
import { LEAF_BLOCK, LOG_CHANNELS } from './store.js';

/** Where an append landed; `fresh` is false when its key was already logged (a redelivery). */
export interface AppendResult {
  readonly index: number;
  readonly leafHash: Hash;
  readonly fresh: boolean;
}

export interface SequencerOptions {
  readonly maxBatch: number;
  readonly maxQueue: number;
  readonly checkpointIntervalMs: number;
  readonly appendTimeoutMs: number;
  /** Whether other replicas may hand appends over (PostgreSQL): the sequencer then polls for them. */
  readonly handOff: boolean;
  /**
   * How often a sequencer polls the pending table and a replica polls for its appends (ms) while
   * no hand-over notifications arrive (`wakeOnHandOvers`); while they do, once a second at most.
   */
  readonly pollMs?: number;
  /** How often the lease is checked or, by a replica, tried (ms). */
  readonly leaseCheckMs?: number;
}

interface Queued {
  readonly entry: string;
  readonly key: string | null;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** A batch placed in the tree, ready to commit. */
interface PlacedBatch {
  /** The tree once the batch is committed. */
  readonly next: CompactRange;
  readonly now: number;
  readonly items: readonly Queued[];
  readonly receipts: readonly (() => AppendResult)[];
  readonly batch: LogBatch;
}

interface Waiter {
  readonly deadline: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit over a LogStore (Tessera's integration loop). Appends queue in memory; the loop takes
 * everything queued (up to `maxBatch`), hashes it into the tree, and writes entries, the completed
 * nodes and — when due — a signed checkpoint in one transaction; only then does each caller learn
 * its index. While a batch commits, the next one gathers, so batches grow with load.
 *
 * Only the lease holder sequences. A replica without the lease writes appends to the durable
 * pending table and waits until the sequencer has integrated them (found by their append key);
 * when the sequencer dies its lease frees and a replica takes over, pending appends included.
 */
export class LogSequencer {
  readonly #queue: Queued[] = [];
  readonly #waiters = new Map<string, Waiter[]>();
  #range: CompactRange | undefined;
  #leader = false;
  #running = false;
  #stopping = false;
  #lastCheckpoint: { size: number; ms: number } = { size: -1, ms: 0 };
  #checkpointTimer: NodeJS.Timeout | undefined;
  #leaseTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #pendingDue = false;
  #indexed = 0;
  #leaseBusy: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  readonly #pollMs: number;
  readonly #leaseCheckMs: number;
  /** The hand-over notifications, once `wakeOnHandOvers` listens for them. */
  #notifications: { readonly listening: boolean } | undefined;
  #lastPoll = 0;

  constructor(
    private readonly store: LogStore,
    private readonly lease: SequencerLease,
    private readonly identity: LogIdentity,
    private readonly options: SequencerOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: LogMetrics,
  ) {
    this.#pollMs = options.pollMs ?? 20;
    this.#leaseCheckMs = options.leaseCheckMs ?? 500;
    metrics.checkpointInterval.set(options.checkpointIntervalMs / 1000);
  }

  /** True while this process sequences the log. */
  get isSequencer(): boolean {
    return this.#leader;
  }

  /** Entries known to be committed (on the sequencer; 0 elsewhere, where the store must be asked). */
  get committedSize(): number {
    return this.#leader ? (this.#range?.size ?? 0) : 0;
  }

  /** Tries the lease now, then keeps checking it (or trying it) in the background. */
  async start(): Promise<void> {
    await this.#tendLease();
    this.#leaseTimer = setInterval(() => {
      this.#leaseBusy ??= this.#tendLease().finally(() => {
        this.#leaseBusy = undefined;
      });
    }, this.#leaseCheckMs);
    this.#leaseTimer.unref();
    this.#pollTimer = setInterval(() => this.#poll(), this.#pollMs);
    this.#pollTimer.unref();
  }

  /** Finishes queued appends, stops the loop and releases the lease. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#leaseTimer);
    clearInterval(this.#pollTimer);
    clearTimeout(this.#checkpointTimer);
    await this.#leaseBusy;
    this.#kick();
    while (this.#running) await this.#loop;
    for (const item of this.#queue.splice(0)) item.reject(stopped());
    for (const [key, waiters] of this.#waiters) {
      this.#waiters.delete(key);
      for (const waiter of waiters) waiter.reject(pendingError(key));
    }
    if (this.#leader && this.#range && this.#range.size > this.#lastCheckpoint.size) {
      await this.#checkpointNow().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'integrity: final checkpoint not written'),
      );
    }
    this.#leader = false;
    this.metrics.sequencer.set(0);
    await this.lease.release();
  }

  /**
   * Appends canonical entry text. Resolves once the entry is durable in the log; `key` (an event id or
   * idempotency key) makes a repeated append return the first one's receipt.
   */
  append(entry: string, key: string | null, options: LogAppendOptions = {}): Promise<AppendResult> {
    if (this.#stopping) return Promise.reject(stopped());
    if (!this.#leader) return this.#handOver(entry, key);
    if (this.#queue.length >= this.options.maxQueue) {
      this.metrics.pushback.inc();
      return Promise.reject(
        integrityErrors.create('LOG_PUSHBACK', `${this.#queue.length} appends are waiting; retry shortly`, {
          headers: { 'retry-after': '1' },
        }),
      );
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ entry, key, resolve, reject });
      this.metrics.queued.set(this.#queue.length);
      this.#kick(options.gathered !== true);
    });
  }

  // ---- sequencing ----------------------------------------------------------------------------

  /**
   * Starts the loop unless it runs. By default it first lets the rest of the event loop's turn
   * run (setImmediate), so appends from other requests handled in the same turn join the batch;
   * a `gathered` append starts it at once, since its caller already batched.
   */
  #kick(gather = true): void {
    if (this.#running || !this.#leader) return;
    this.#running = true;
    this.#loop = (gather ? new Promise<void>((resolve) => setImmediate(resolve)) : Promise.resolve())
      .then(() => this.#drain())
      .catch((error: unknown) => this.logger.error({ err: error }, 'integrity: sequencer loop failed'));
  }

  async #drain(): Promise<void> {
    try {
      while (this.#leader && this.#range && (this.#queue.length > 0 || this.#pendingDue)) {
        await this.#commitBatch();
        // Yield to I/O and timers between batches: with better-sqlite3 a commit never leaves the
        // microtask queue, so without this a steady stream of appends would starve the process.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#running = false;
    }
    if (this.#leader && this.#queue.length > 0) this.#kick();
  }

  async #commitBatch(): Promise<void> {
    const range = this.#range;
    if (range === undefined) return; // stepped down meanwhile; the queue was handed over
    const items = this.#queue.splice(0, this.options.maxBatch);
    this.metrics.queued.set(this.#queue.length);
    let pendingRows: Awaited<ReturnType<LogStore['pendingAppends']>> = [];
    try {
      if (this.#pendingDue && this.options.handOff) {
        this.#pendingDue = false;
        pendingRows = await this.store.pendingAppends(Math.max(1, this.options.maxBatch - items.length));
      }
      this.#pendingDue = false;
      // Optimistic: keys are nearly always new, and the store refuses a batch holding one that is
      // already logged (LOG_KEY_TAKEN, writing nothing). Looking every key up first cost a round
      // trip in front of every commit; now only a batch the store refused pays it.
      let batch = this.#place(range, items, pendingRows, new Map());
      if (batch === undefined) return;
      try {
        await this.#write(batch);
      } catch (error) {
        if (!(error instanceof PlatformError && error.code === 'LOG_KEY_TAKEN')) throw error;
        const keys = [
          ...items.flatMap((i) => (i.key === null ? [] : [i.key])),
          ...pendingRows.map((p) => p.key),
        ];
        batch = this.#place(range, items, pendingRows, await this.store.findKeys(keys));
        if (batch === undefined) return;
        await this.#write(batch);
      }
      if (pendingRows.length > 0) this.#pendingDue = true; // more may be waiting
    } catch (error) {
      await this.#afterFailure(error, items);
    }
  }

  /**
   * Places a batch in the tree after `range`: entries, completed nodes, a checkpoint when due and
   * each item's receipt. A key already logged (`known`) or seen earlier in the batch shares the
   * first receipt. Undefined when there is nothing to write (an idle poll of the pending table, or
   * only keys already logged): the items are answered at once, since an empty transaction would
   * hold the loop for its round trips every poll.
   */
  #place(
    range: CompactRange,
    items: readonly Queued[],
    pendingRows: readonly PendingAppend[],
    known: ReadonlyMap<string, KeyedReceipt>,
  ): PlacedBatch | undefined {
    const next = CompactRange.fromFrontier(range.frontier());
    const firstIndex = next.size;
    const entries: { entry: string; leafHash: Hash; key: string | null }[] = [];
    const nodes: NodeWrite[] = [];
    const collect = (id: { level: number; index: number }, hash: Hash) => {
      if (id.level > 0) nodes.push({ id, hash });
    };
    // Receipts in batch order; a key seen twice (or already logged) shares the first receipt.
    const receipts: (() => AppendResult)[] = [];
    const inBatch = new Map<string, number>();
    const place = (entry: string, key: string | null): (() => AppendResult) => {
      if (key !== null) {
        const old = known.get(key);
        if (old) return () => ({ index: old.index, leafHash: old.leafHash, fresh: false });
        const at = inBatch.get(key);
        if (at !== undefined) return () => ({ ...receiptOf(at), fresh: false });
      }
      const leafHash = hashLeaf(entry);
      next.append(leafHash, collect);
      const index = firstIndex + entries.length;
      entries.push({ entry, leafHash, key });
      if (key !== null) inBatch.set(key, index);
      return () => receiptOf(index);
    };
    const receiptOf = (index: number): AppendResult => ({
      index,
      leafHash: entries[index - firstIndex]!.leafHash,
      fresh: true,
    });
    for (const item of items) receipts.push(place(item.entry, item.key));
    for (const row of pendingRows) place(row.entry, row.key);

    const now = this.clock.now();
    const checkpoint = this.#checkpointDue(next.size, now) ? this.#sign(next, now) : undefined;
    if (entries.length === 0 && pendingRows.length === 0 && checkpoint === undefined) {
      for (let i = 0; i < items.length; i++) items[i]!.resolve(receipts[i]!());
      return undefined;
    }
    return {
      next,
      now,
      items,
      receipts,
      batch: {
        firstIndex,
        entries,
        nodes,
        pendingIds: pendingRows.map((p) => p.id),
        ...(checkpoint ? { checkpoint } : {}),
      },
    };
  }

  /** Commits a placed batch, then moves the tree on and answers its items. */
  async #write({ next, now, items, receipts, batch }: PlacedBatch): Promise<void> {
    const started = performance.now();
    await this.store.commit(batch);
    this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    this.metrics.batchSize.observe(batch.entries.length);
    this.metrics.appended.inc(batch.entries.length);
    this.metrics.treeSize.set(next.size);
    this.#range = next;
    if (batch.checkpoint) this.#checkpointWritten(batch.checkpoint);
    else this.#scheduleCheckpoint(now);
    for (let i = 0; i < items.length; i++) items[i]!.resolve(receipts[i]!());
  }

  async #afterFailure(error: unknown, items: readonly Queued[]): Promise<void> {
    if (error instanceof PlatformError && error.code === 'LOG_FORKED') {
      this.logger.error({ err: error }, 'integrity: another sequencer wrote the log; stepping down');
      await this.#stepDown();
      for (const item of items) this.#handOver(item.entry, item.key).then(item.resolve, item.reject);
      return;
    }
    this.logger.error({ err: error }, 'integrity: batch commit failed; its appends are refused');
    for (const item of items)
      item.reject(
        integrityErrors.create('LOG_DEPENDENCY_FAILED', 'the log could not store the append; retry', {
          cause: error,
          headers: { 'retry-after': '1' },
        }),
      );
    // The transaction may or may not have committed: reload the tree from what is stored.
    try {
      this.#range = await this.#loadRange();
    } catch (reload) {
      this.logger.error({ err: reload }, 'integrity: cannot reload the tree; stepping down');
      await this.#stepDown();
    }
  }

  #checkpointDue(size: number, now: number): boolean {
    if (size <= this.#lastCheckpoint.size) return false;
    return now - this.#lastCheckpoint.ms >= this.options.checkpointIntervalMs;
  }

  #sign(range: CompactRange, now: number): StoredCheckpoint {
    const root = range.root();
    const note = signCheckpoint(
      { origin: this.identity.origin, size: range.size, root },
      this.identity.signers,
    );
    return { size: range.size, root, note, signedMs: now };
  }

  #checkpointWritten(checkpoint: StoredCheckpoint): void {
    this.#lastCheckpoint = { size: checkpoint.size, ms: checkpoint.signedMs };
    this.metrics.checkpointSize.set(checkpoint.size);
    this.metrics.checkpointTime.set(checkpoint.signedMs / 1000);
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
  }

  #scheduleCheckpoint(now: number): void {
    if (this.#checkpointTimer !== undefined) return;
    const wait = Math.max(0, this.options.checkpointIntervalMs - (now - this.#lastCheckpoint.ms));
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      if (!this.#leader || this.#running) {
        if (this.#leader) this.#scheduleCheckpoint(this.clock.now());
        return;
      }
      this.#running = true;
      this.#loop = this.#checkpointNow()
        .catch((error: unknown) => this.logger.error({ err: error }, 'integrity: checkpoint failed'))
        .finally(() => {
          this.#running = false;
          this.#kick();
        });
    }, wait);
    this.#checkpointTimer.unref();
  }

  async #checkpointNow(): Promise<void> {
    const range = this.#range;
    if (!range || range.size <= this.#lastCheckpoint.size) return;
    const checkpoint = this.#sign(range, this.clock.now());
    await this.store.addCheckpoint(checkpoint);
    this.#checkpointWritten(checkpoint);
  }

  // The leaf-hash index is filled behind the sequencer, a whole block at a time, between commits.
  #maybeIndexLeaves(): void {
    const range = this.#range;
    if (!this.#leader || this.#running || !range) return;
    if (range.size - this.#indexed < LEAF_BLOCK) return;
    this.#running = true;
    this.#loop = this.store
      .indexLeaves()
      .then((added) => {
        this.#indexed += added;
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'integrity: leaf index update failed'))
      .finally(() => {
        this.#running = false;
        this.#kick();
      });
  }

  // ---- the lease -----------------------------------------------------------------------------

  async #tendLease(): Promise<void> {
    if (this.#stopping) return;
    try {
      if (this.#leader) {
        if (!(await this.lease.stillHeld())) {
          this.logger.warn('integrity: sequencer lease lost; handing appends over');
          await this.#stepDown();
        }
        return;
      }
      if (!(await this.lease.tryAcquire())) return;
      this.#range = await this.#loadRange();
      this.#indexed = await this.store.leafIndexedSize();
      await this.store.recordKeys(this.identity.verifierKeys, this.clock.now());
      const latest = await this.store.latestCheckpoint();
      this.#lastCheckpoint = latest ? { size: latest.size, ms: 0 } : { size: -1, ms: 0 };
      this.#leader = true;
      this.metrics.sequencer.set(1);
      this.metrics.treeSize.set(this.#range.size);
      this.logger.info({ size: this.#range.size }, 'integrity: this replica sequences the log');
      // Sign the tree as found (the empty tree on a new log), then integrate hand-overs.
      await this.#checkpointNow();
      this.#pendingDue = this.options.handOff;
      this.#kick();
    } catch (error) {
      this.logger.warn({ err: error }, 'integrity: sequencer lease check failed');
      if (this.#leader) await this.#stepDown();
      else await this.lease.release().catch(() => undefined);
    }
  }

  async #stepDown(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    this.#range = undefined;
    this.metrics.sequencer.set(0);
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    await this.lease.release().catch(() => undefined);
    // Appends still queued in memory go to the pending table for the next sequencer.
    for (const item of this.#queue.splice(0)) {
      this.#handOver(item.entry, item.key).then(item.resolve, item.reject);
    }
  }

  async #loadRange(): Promise<CompactRange> {
    const size = await this.store.size();
    const ids = frontierNodeIds(size);
    const nodes = await this.store.readNodes(ids);
    return CompactRange.fromFrontier({
      size,
      hashes: ids.map((id) => {
        const hash = nodes.get(nodeKey(id));
        if (hash === undefined) throw new Error(`frontier node ${nodeKey(id)} is not stored`);
        return hash;
      }),
    });
  }

  // ---- hand-over (replicas that do not hold the lease) ----------------------------------------

  async #handOver(entry: string, givenKey: string | null): Promise<AppendResult> {
    if (givenKey !== null) {
      // A caller's key that is already logged gets the first receipt, as on the sequencer.
      const known = (await this.store.findKeys([givenKey])).get(givenKey);
      if (known) return { index: known.index, leafHash: known.leafHash, fresh: false };
    }
    const key = givenKey ?? randomUUID();
    await this.store.addPending(key, entry, this.clock.now());
    this.metrics.handedOver.inc();
    return new Promise<AppendResult>((resolve, reject) => {
      const waiter = { deadline: this.clock.now() + this.options.appendTimeoutMs, resolve, reject };
      const list = this.#waiters.get(key);
      if (list) list.push(waiter);
      else this.#waiters.set(key, [waiter]);
    });
  }

  #polling = false;
  #pollAgain = false;

  /**
   * A replica handed an append over (its notification, `LOG_CHANNELS.pending`): the sequencer
   * integrates it in its next batch instead of at its next poll of the pending table.
   */
  handedOver(): void {
    if (!this.#leader || !this.options.handOff || this.#stopping) return;
    this.#pendingDue = true;
    this.#kick();
  }

  /**
   * The sequencer integrated hand-overs (`LOG_CHANNELS.integrated`): this replica looks for the
   * appends it waits for now instead of at its next poll.
   */
  integrated(): void {
    this.#pollWaiters();
  }

  /** Hand-overs wake this sequencer through `notifications` while it is listening. */
  wakesOn(notifications: { readonly listening: boolean }): void {
    this.#notifications = notifications;
  }

  #poll(): void {
    this.#maybeIndexLeaves();
    // While notifications arrive, a hand-over wakes both sides at once and the poll is only the
    // safety net for one lost on a connection that has not yet noticed it is gone. Polling every
    // 20 ms regardless cost the sequencer a query in front of nearly every batch (the appends that
    // arrive during it wait) and the database 50 queries a second.
    if (this.#notifications?.listening && this.clock.now() - this.#lastPoll < NOTIFIED_POLL_MS) return;
    this.#lastPoll = this.clock.now();
    if (this.#leader && this.options.handOff && !this.#pendingDue) {
      this.#pendingDue = true;
      this.#kick();
    }
    this.#pollWaiters();
  }

  #pollWaiters(): void {
    if (this.#waiters.size === 0) return;
    if (this.#polling) {
      this.#pollAgain = true; // a notification during a look-up: look once more after it
      return;
    }
    this.#polling = true;
    this.#pollAgain = false;
    this.#resolveWaiters()
      .catch((error: unknown) => {
        // The database is away: nobody can tell when the stored appends will be integrated, so
        // their callers are answered now (503 LOG_APPEND_PENDING; a retry with the same key, here
        // or on another replica, returns the receipt) rather than held for the outage — a PGC
        // holds every later decision behind the write that waits here.
        this.#expireWaiters(Number.POSITIVE_INFINITY);
        this.logger.warn({ err: error }, 'integrity: hand-over poll failed');
      })
      .finally(() => {
        this.#polling = false;
        if (this.#pollAgain) this.#pollWaiters();
      });
  }

  async #resolveWaiters(): Promise<void> {
    const found = await this.store.findKeys([...this.#waiters.keys()]);
    for (const [key, waiters] of this.#waiters) {
      const receipt = found.get(key);
      if (receipt) {
        this.#waiters.delete(key);
        for (const w of waiters) w.resolve({ index: receipt.index, leafHash: receipt.leafHash, fresh: true });
      }
    }
    this.#expireWaiters(this.clock.now());
  }

  /** Rejects the hand-over waiters whose deadline has passed (LOG_APPEND_PENDING, 503). */
  #expireWaiters(now: number): void {
    for (const [key, waiters] of this.#waiters) {
      const late = waiters.filter((w) => w.deadline <= now);
      if (late.length === 0) continue;
      const remaining = waiters.filter((w) => w.deadline > now);
      if (remaining.length === 0) this.#waiters.delete(key);
      else this.#waiters.set(key, remaining);
      for (const w of late) w.reject(pendingError(key));
    }
  }
}

/**
 * Wakes `sequencer` on the hand-over notifications of `database` (PostgreSQL): a replica's hand-over
 * is integrated, and its waiting caller answered, without waiting for the next polls on each
 * side, which slow to one a second while the notifications arrive. Undefined on SQLite (one
 * process, no hand-over).
 */
export function wakeOnHandOvers(
  database: Pick<Database, 'listen'>,
  sequencer: LogSequencer,
): DatabaseListener | undefined {
  const listener = database.listen?.([LOG_CHANNELS.pending, LOG_CHANNELS.integrated], (channel) => {
    if (channel === LOG_CHANNELS.pending) sequencer.handedOver();
    else sequencer.integrated();
  });
  if (listener) sequencer.wakesOn(listener);
  return listener;
}

/** How often the pending table and the waiting appends are polled while notifications arrive (ms). */
const NOTIFIED_POLL_MS = 1000;

function stopped() {
  return integrityErrors.create('LOG_STOPPED', 'the log is shutting down; retry on another replica', {
    headers: { 'retry-after': '1' },
  });
}

function pendingError(key: string) {
  return integrityErrors.create(
    'LOG_APPEND_PENDING',
    'the append is stored and waits for the sequencer; retry with the same key to get its receipt',
    { details: { key }, headers: { 'retry-after': '1' } },
  );
}
