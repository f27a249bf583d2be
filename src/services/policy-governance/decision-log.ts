/**
 * Writes decisions to the integrity log, coalesced: decisions made in one turn of the event
 * loop, or while the most writes allowed are in flight, are written together, as ONE
 * `policy.decision` entry per bundle holding all of them (`payload.decisions[position]`). Each
 * decision's receipt is that entry's leaf hash and index plus its position; an inclusion proof of
 * the entry proves the decision. One entry per decision would cost the log an encoding, a row and
 * tree nodes each; coalescing keeps the synchronous hot path near the speed of one fsync per batch
 * (docs/enforcement.md).
 *
 * Synchronous mode (the default) answers once the entry is durable in the log. Asynchronous mode
 * answers once the entry is durable in the PGC's outbox table: the entry's time and content are
 * fixed there, so its leaf hash is known at once; the drainer appends it later, at least once,
 * with the entry id as idempotency key so a redelivery returns the first receipt.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventBus } from '../../bus/event-bus.js';
import type { IntegrityContract, LogAppendRequest } from '../../kernel/contracts/integrity.js';
import { commonErrors, PlatformError } from '../../kernel/errors.js';
import { EVENT_TYPES, type PolicyDecisionReviewData } from '../../kernel/events.js';
import { encodeLogEntry, hashLeaf, type JsonValue, toHex } from '../../merkle/index.js';
import { pgcErrors } from './errors.js';
import type { PgcStore } from './store.js';

export type LogMode = 'sync' | 'async';

/**
 * What the log keeps of one decision, as a tuple in the order of `DECISION_FIELDS` (tuples, not
 * objects: the log encodes entries canonically, and sorting the keys of thousands of small
 * objects cost more than the decisions). `matched` lists `<policy id>@<version>`, with a
 * trailing `!` when the policy counted only because its condition failed (fail-closed).
 */
export type DecisionRecord = readonly [
  decisionId: string,
  decision: string,
  requestDigest: string,
  /** The keyed hash of the request's principal id (`principal-pseudonyms.ts`). */
  principalIdHash: string | null,
  actionType: string,
  /** The caller's pseudonym (`actorOf`). */
  caller: string,
  matched: readonly string[],
];

export const DECISION_FIELDS = [
  'decisionId',
  'decision',
  'requestDigest',
  'principalIdHash',
  'actionType',
  'caller',
  'matched',
] as const;

/** A decision entry as the PGC builds it: time fixed, key = entry id. */
export interface DecisionEntry extends LogAppendRequest {
  readonly time: string;
  readonly key: string;
}

export interface LogReceipt {
  readonly leafHash: string;
  /** The entry's index in the log, or null until an asynchronously logged entry is appended. */
  readonly index: number | null;
  readonly mode: LogMode;
  /** Where the (first) decision sits in the entry's `payload.decisions`. */
  readonly position: number;
}

/** A `review` decision's details for the council, without its position (known once logged). */
export type ReviewItem = Omit<PolicyDecisionReviewData['reviews'][number], 'position'> & {
  /** Index of the decision among the records handed to `write`. */
  readonly offset: number;
};

interface Pending {
  readonly bundleId: string;
  readonly constitutionHash: string;
  readonly records: readonly DecisionRecord[];
  readonly reviews: readonly ReviewItem[];
  resolve(receipt: LogReceipt): void;
  reject(error: unknown): void;
}

/** Most decisions in one entry (a full batch of 1,000 always fits with room to spare). */
const MAX_RECORDS = 4000;
/** Most decisions queued or in flight for one mode's log writes; more is 503 SERVICE_OVERLOADED with Retry-After. */
export const MAX_QUEUED = 100_000;
const DRAIN_BATCH = 200;
const ASYNC_DRAIN_DELAY_MS = 50;

/**
 * Most log writes one mode has in flight at once. One at a time made every decision wait for the
 * write before it as well as its own (about 1.5 writes on average, two at worst); the log's
 * sequencer group-commits concurrent appends anyway, so a few in flight cost it little.
 */
const MAX_WRITES_IN_FLIGHT = 4;

class Coalescer {
  readonly #queue: Pending[] = [];
  #queued = 0;
  #inFlight = 0;
  #gathering = false;

  constructor(private readonly write: (group: readonly Pending[]) => Promise<void>) {}

  /** Decisions queued or in flight. */
  get waiting(): number {
    return this.#queued;
  }

  submit(pending: Pending): void {
    // Backpressure: while the log is slow or away, decisions must not pile up without bound.
    if (this.#queued + pending.records.length > MAX_QUEUED) {
      pending.reject(
        commonErrors.create(
          'SERVICE_OVERLOADED',
          'too many decisions are waiting for the log; retry shortly',
          {
            headers: { 'retry-after': '1' },
          },
        ),
      );
      return;
    }
    this.#queued += pending.records.length;
    this.#queue.push(pending);
    if (this.#gathering || this.#inFlight >= MAX_WRITES_IN_FLIGHT) return;
    // Gather the event loop's turn: decisions from every request handled in it share one write,
    // which the log then commits at once (`gathered`). Starting on the first decision would write
    // it alone and leave the rest of the turn for the next write.
    this.#gathering = true;
    setImmediate(() => {
      this.#gathering = false;
      this.#startWrites();
    });
  }

  /** Starts writes of what is queued while fewer than MAX_WRITES_IN_FLIGHT are in flight. */
  #startWrites(): void {
    while (this.#queue.length > 0 && this.#inFlight < MAX_WRITES_IN_FLIGHT) {
      let n = 0;
      let records = 0;
      while (n < this.#queue.length && (n === 0 || records + this.#queue[n]!.records.length <= MAX_RECORDS)) {
        records += this.#queue[n]!.records.length;
        n++;
      }
      const taken = this.#queue.splice(0, n);
      this.#inFlight++;
      this.write(taken)
        .catch((error: unknown) => {
          for (const p of taken) p.reject(error);
        })
        .finally(() => {
          this.#queued -= records; // counted until written: in-flight decisions wait too
          this.#inFlight--;
          // Decisions that queued while every write was in flight have gathered already.
          this.#startWrites();
        });
    }
  }
}

export class DecisionLog {
  readonly #sync: Coalescer;
  readonly #async: Coalescer;
  #draining: Promise<void> | undefined;
  #drainAgain = false;
  #timer: NodeJS.Timeout | undefined;
  #drainSoon: NodeJS.Timeout | undefined;

  constructor(
    private readonly integrity: IntegrityContract,
    private readonly store: PgcStore,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.#sync = new Coalescer((group) => this.#writeSync(group));
    this.#async = new Coalescer((group) => this.#writeAsync(group));
  }

  /** Decisions queued or being written, per mode (the `acgs_decisions_log_pending` gauge). */
  waiting(): Readonly<Record<LogMode, number>> {
    return { sync: this.#sync.waiting, async: this.#async.waiting };
  }

  /**
   * Logs decisions made by one bundle; resolves with the receipt of the first one once they are
   * durable and, when one of them is `review`, once `policy.decision.review` is on the bus (one
   * event per entry, for every review decision in it).
   */
  write(
    bundle: { readonly id: string; readonly constitutionHash: string },
    records: readonly DecisionRecord[],
    mode: LogMode,
    reviews: readonly ReviewItem[] = [],
  ): Promise<LogReceipt> {
    return new Promise((resolve, reject) => {
      (mode === 'sync' ? this.#sync : this.#async).submit({
        bundleId: bundle.id,
        constitutionHash: bundle.constitutionHash,
        records,
        reviews,
        resolve,
        reject,
      });
    });
  }

  async #announce(
    entry: DecisionEntry,
    members: readonly { readonly pending: Pending; readonly position: number }[],
    leafHash: string,
    index: number | null,
  ): Promise<void> {
    const reviews = members.flatMap(({ pending, position }) =>
      pending.reviews.map(({ offset, ...review }) => ({ ...review, position: position + offset })),
    );
    const payload = entry.payload as { bundleId: string; constitutionHash: string };
    const data: PolicyDecisionReviewData = {
      bundleId: payload.bundleId,
      constitutionHash: payload.constitutionHash,
      leafHash,
      index,
      reviews,
    };
    // The event id is the entry's key, so a republished announcement is deduplicated.
    await this.bus.publish({
      id: entry.key,
      type: EVENT_TYPES.policyDecisionReview,
      source: 'pgc',
      time: entry.time,
      data,
    });
  }

  /** Starts the drainer's timer (a safety net: every asynchronous write also schedules a drain). */
  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => void this.kick(), intervalMs);
    this.#timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearTimeout(this.#drainSoon);
    await this.#draining;
  }

  /** Drains the outbox now; resolves when it is empty or the log refused. */
  kick(): Promise<void> {
    if (this.#draining !== undefined) {
      this.#drainAgain = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      try {
        do {
          this.#drainAgain = false;
          await this.#drain();
        } while (this.#drainAgain);
      } catch (error) {
        this.logger.warn({ err: error }, 'decision outbox not yet drained into the log; will retry');
      } finally {
        this.#draining = undefined;
      }
    })();
    return this.#draining;
  }

  async #writeSync(group: readonly Pending[]): Promise<void> {
    const entries = this.#entriesOf(group);
    await Promise.all(
      entries.map(async ({ entry, members }) => {
        let receipt: Awaited<ReturnType<IntegrityContract['append']>>;
        try {
          // The entry's key makes the append idempotent: a client retry (a 503 with Retry-After,
          // an append handed over and still pending) returns the first receipt, never a second entry.
          receipt = await this.integrity.append(
            {
              type: entry.type,
              source: entry.source,
              payload: entry.payload,
              time: entry.time,
              key: entry.key,
            },
            { gathered: true },
          );
        } catch (error) {
          const refused = notLogged(error);
          for (const m of members) m.pending.reject(refused);
          return;
        }
        this.#answer(entry, members, receipt.leafHash, receipt.index, 'sync');
      }),
    );
  }

  async #writeAsync(group: readonly Pending[]): Promise<void> {
    const entries = this.#entriesOf(group);
    const hashes = entries.map(({ entry }) =>
      toHex(
        hashLeaf(
          encodeLogEntry({
            type: entry.type,
            time: entry.time,
            source: entry.source,
            payload: entry.payload as JsonValue,
            // The log records the writer; for the PGC it is its own identity (in-process or svc-pgc).
            writer: `svc-${entry.source}`,
          }),
        ),
      ),
    );
    try {
      await this.store.enqueueDecisions(
        entries.map(({ entry }) => ({ key: entry.key, entry: JSON.stringify(entry) })),
        this.now(),
      );
    } catch (error) {
      const refused = notLogged(error);
      for (const { members } of entries) for (const m of members) m.pending.reject(refused);
      return;
    }
    entries.forEach(({ entry, members }, i) => {
      this.#answer(entry, members, hashes[i]!, null, 'async');
    });
    this.#scheduleDrain();
  }

  /**
   * Answers the decisions of one durable entry: requests without a review decision at once, the
   * others once the entry's `policy.decision.review` is on the bus (503 if the bus refuses it),
   * so an allow or deny never waits for an announcement it is not part of. The announcement is
   * not awaited here: the coalescer's next write (other requests' decisions) must not wait on
   * the bus either.
   */
  #answer(
    entry: DecisionEntry,
    members: readonly { readonly pending: Pending; readonly position: number }[],
    leafHash: string,
    index: number | null,
    mode: LogMode,
  ): void {
    const receipt = (position: number): LogReceipt => ({ leafHash, index, mode, position });
    const announced: (typeof members)[number][] = [];
    for (const m of members) {
      if (m.pending.reviews.length === 0) m.pending.resolve(receipt(m.position));
      else announced.push(m);
    }
    if (announced.length === 0) return;
    this.#announce(entry, announced, leafHash, index).then(
      () => {
        for (const m of announced) m.pending.resolve(receipt(m.position));
      },
      (error: unknown) => {
        const refused = notLogged(error);
        for (const m of announced) m.pending.reject(refused);
      },
    );
  }

  // Drain a little later rather than at once: under load one drain then moves many entries, and
  // the outbox writes are not slowed by a drain per write.
  #scheduleDrain(): void {
    if (this.#drainSoon !== undefined) return;
    this.#drainSoon = setTimeout(() => {
      this.#drainSoon = undefined;
      void this.kick();
    }, ASYNC_DRAIN_DELAY_MS);
  }

  /** One entry per bundle in the group, with each pending's position inside it. */
  #entriesOf(group: readonly Pending[]) {
    const byBundle = new Map<
      string,
      { pendings: Pending[]; records: DecisionRecord[]; positions: number[] }
    >();
    for (const p of group) {
      let slot = byBundle.get(p.bundleId);
      if (slot === undefined) {
        slot = { pendings: [], records: [], positions: [] };
        byBundle.set(p.bundleId, slot);
      }
      slot.pendings.push(p);
      slot.positions.push(slot.records.length);
      for (const r of p.records) slot.records.push(r);
    }
    const time = new Date(this.now()).toISOString();
    return [...byBundle.values()].map((slot) => {
      const first = slot.pendings[0]!;
      const entry: DecisionEntry = {
        type: 'policy.decision',
        source: 'pgc',
        time,
        key: `pgc:${randomUUID()}`,
        payload: {
          bundleId: first.bundleId,
          constitutionHash: first.constitutionHash,
          fields: DECISION_FIELDS,
          decisions: slot.records,
        },
      };
      return {
        entry,
        members: slot.pendings.map((pending, i) => ({ pending, position: slot.positions[i]! })),
      };
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.store.pendingDecisions(DRAIN_BATCH);
      if (rows.length === 0) return;
      await Promise.all(rows.map((row) => this.integrity.append(JSON.parse(row.entry) as DecisionEntry)));
      await this.store.removeDecisions(rows.map((r) => r.key));
    }
  }
}

function notLogged(error: unknown): PlatformError {
  if (error instanceof PlatformError && error.status === 503) return error;
  return pgcErrors.create('PGC_DECISION_NOT_LOGGED', 'the decision log did not accept the decision; retry', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}
