import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { CompactRange, hashEquals, hashLeaf, nodeKey, toHex } from '../../merkle/index.js';
import type { LogSelfCheck } from './log-self-check.js';
import type { LogStore } from './log-store.js';

export interface ScrubberOptions {
  /** Entries re-hashed per second (ACGS_LOG_SCRUB_RATE); 0 turns the scrubber off. */
  readonly entriesPerSecond: number;
  /**
   * Bytes of entry text re-hashed per second (ACGS_LOG_SCRUB_BYTES_RATE, default 4 MiB): a
   * decision entry holds up to thousands of decisions, so counting entries alone let the scrubber
   * take most of a core (and block the event loop on page reads) when entries are large.
   */
  readonly bytesPerSecond?: number;
  /** Entries read per query (default: a second's worth, at most 1000; fewer when entries are large). */
  readonly pageSize?: number;
}

/** The text one page's query may bring, about (the next page is sized from the last one's entries). */
const PAGE_BYTES = 256 * 1024;
const DEFAULT_BYTES_PER_SECOND = 4 * 1024 * 1024;

/**
 * Re-reads the stored log from index 0 to its end, over and over, at a bounded rate: every entry's
 * text is hashed and compared with its stored leaf hash, and the tree is recomputed from the stored
 * leaf hashes and compared with every stored complete subtree. A disagreement is reported to the
 * self-check (the service turns not ready) and named by `acgs_log_scrub_first_bad_index`.
 *
 * Progress: `acgs_log_scrub_position` (next index of the current pass), `acgs_log_scrub_entries_total`
 * and `acgs_log_scrub_passes_total`. A page is one query; pages are spaced so that the rate holds
 * whatever the page holds, so a small log is not re-read in a busy loop.
 */
export class LogScrubber {
  readonly #pageSize: number;
  readonly #position: Gauge;
  readonly #firstBad: Gauge;
  readonly #entries: Counter;
  readonly #passes: Counter;
  /** Entries the next page reads (the page size, or fewer when recent entries were large). */
  #pageEntries: number;
  /** Entry text the last page hashed (bytes): its share of the byte rate spaces the next page. */
  #lastPageBytes = 0;
  #next = 0;
  #range = CompactRange.empty();
  #passFirstBad = -1;
  #timer: NodeJS.Timeout | undefined;
  #step: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly store: LogStore,
    private readonly selfCheck: LogSelfCheck,
    registry: Registry,
    private readonly options: ScrubberOptions,
    private readonly logger: Logger,
  ) {
    this.#pageSize = Math.max(1, options.pageSize ?? Math.min(1000, options.entriesPerSecond));
    this.#pageEntries = this.#pageSize;
    const registers = [registry];
    this.#position = new Gauge({
      name: 'acgs_log_scrub_position',
      help: 'Next entry index the scrubber re-hashes in its current pass over the stored log.',
      registers,
    });
    this.#firstBad = new Gauge({
      name: 'acgs_log_scrub_first_bad_index',
      help: 'First entry index whose stored text or hashes the scrubber found altered; -1 when none.',
      registers,
    });
    this.#firstBad.set(-1);
    this.#entries = new Counter({
      name: 'acgs_log_scrub_entries_total',
      help: 'Stored entries the scrubber re-hashed.',
      registers,
    });
    this.#passes = new Counter({
      name: 'acgs_log_scrub_passes_total',
      help: 'Complete passes of the scrubber over the stored log.',
      registers,
    });
  }

  /** Starts scrubbing in the background (no-op when the rate is 0). */
  start(): void {
    if (this.options.entriesPerSecond <= 0) return;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#step;
  }

  /** Scrubs the next page; starts a new pass when the previous one reached the end of the log. */
  async scrubPage(): Promise<void> {
    const size = await this.store.size();
    if (this.#next >= size) {
      if (this.#next > 0) this.#endPass();
      if (size === 0) return;
    }
    const start = this.#next;
    const end = Math.min(size, start + this.#pageEntries);
    const [rows, stored] = await Promise.all([
      this.store.entries(start, end),
      this.store.nodesCompletedIn(start, end),
    ]);
    const storedNodes = new Map(stored.map((n) => [nodeKey(n.id), n.hash]));
    let expected = start;
    let bytes = 0;
    for (const row of rows) {
      bytes += row.entry.length;
      if (row.index !== expected) {
        this.#found(expected, `entry ${expected} is missing from the store`);
        this.#restart();
        return;
      }
      if (!hashEquals(hashLeaf(row.entry), row.leafHash)) {
        this.#found(
          row.index,
          `stored entry ${row.index} does not hash to its stored leaf hash ${toHex(row.leafHash)}`,
        );
      }
      // The tree is rebuilt from the stored leaf hashes, so an altered node is told apart from an
      // altered entry, and is named by the row that holds it (where the altered bytes are).
      this.#range.append(row.leafHash, (id, hash) => {
        if (id.level === 0) return;
        const kept = storedNodes.get(nodeKey(id));
        if (kept === undefined || !hashEquals(kept, hash)) {
          const first = id.index * 2 ** id.level;
          this.#found(
            row.index,
            `stored node (level ${id.level}, index ${id.index}) over entries [${first}, ${first + 2 ** id.level}), kept with entry ${row.index}, ${kept === undefined ? 'is missing' : 'does not match the stored leaf hashes'}`,
          );
        }
      });
      expected++;
    }
    this.#entries.inc(rows.length);
    this.#lastPageBytes = bytes;
    if (rows.length > 0)
      this.#pageEntries = Math.max(
        1,
        Math.min(this.#pageSize, Math.floor(PAGE_BYTES / (bytes / rows.length))),
      );
    if (expected !== end) {
      this.#found(expected, `entry ${expected} is missing from the store`);
      this.#restart();
      return;
    }
    this.#next = end;
    this.#position.set(end);
  }

  #found(index: number, message: string): void {
    if (this.#passFirstBad === -1 || index < this.#passFirstBad) this.#passFirstBad = index;
    this.#firstBad.set(this.#passFirstBad);
    this.selfCheck.report({ check: 'scrub', index, message });
    this.logger.error({ index }, `integrity scrub: ${message}`);
  }

  #endPass(): void {
    this.#passes.inc();
    this.#firstBad.set(this.#passFirstBad);
    this.#restart();
  }

  #restart(): void {
    this.#next = 0;
    this.#range = CompactRange.empty();
    this.#passFirstBad = -1;
    this.#position.set(0);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const started = performance.now();
      this.#step = this.scrubPage()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'integrity scrub: page failed'))
        .finally(() => {
          this.#step = undefined;
          // Paced by whichever rate the page used up more of: entries or bytes.
          const budget = Math.max(
            (this.#pageSize / this.options.entriesPerSecond) * 1000,
            (this.#lastPageBytes / (this.options.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND)) * 1000,
          );
          this.#schedule(Math.max(0, budget - (performance.now() - started)));
        });
    }, delayMs);
    this.#timer.unref();
  }
}
