import type { Kysely, Transaction } from 'kysely';
import type { EventEnvelope } from '../kernel/events.js';
import { retryDelayMs } from './bus-subjects.js';
import { busErrors } from './errors.js';
import type { BusMessage, SubscribeOptions, Subscription } from './event-bus.js';
import { EPHEMERAL_IDLE_MS, subjectMatches } from './event-bus.js';
import type { LocalBusTables } from './local-bus-schema.js';

/** Events examined per dispatch transaction. */
const DISPATCH_BATCH = 500;

interface Claimed {
  readonly seq: number;
  readonly deliveries: number;
  readonly subject: string;
  readonly envelope: string;
}

export interface SubscriptionSettings {
  readonly lockRows: boolean;
  readonly pollIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly ack: (seq: number) => Promise<void>;
  readonly onStop: (subscription: LocalSubscription) => void;
  /** Ephemeral consumers: keeps the consumer from expiring (called every third of its idle time). */
  readonly keepAlive?: () => Promise<void>;
  /** Ephemeral consumers: deletes the consumer and its messages once the subscription stopped. */
  readonly remove?: () => Promise<void>;
}

/** One subscriber's delivery loop: hand new events to the consumer, claim visible ones, run handlers. */
export class LocalSubscription implements Subscription {
  readonly durable: string;
  readonly #ackWaitMs: number;
  readonly #concurrency: number;
  readonly #excluded: readonly string[];
  readonly #running = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wakeRequested = false;
  #wakeUp: (() => void) | undefined;
  /** Highest event seq examined by this subscription (may be ahead of the stored cursor). */
  #scanned = 0;

  constructor(
    private readonly db: Kysely<LocalBusTables>,
    private readonly options: SubscribeOptions,
    private readonly settings: SubscriptionSettings,
  ) {
    this.durable = options.durable;
    this.#ackWaitMs = Math.max(1, options.ackWaitMs ?? 30_000);
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#excluded = options.excludeSubjects ?? [];
  }

  start(): void {
    this.#loop = this.#run();
  }

  /**
   * Runs the delivery loop now. A publish passes its subject: a subscription it cannot be for
   * stays asleep (its poll still covers filters changed by another process).
   */
  wake(subject?: string): void {
    if (subject !== undefined && !this.#wants(subject)) return;
    this.#wakeRequested = true;
    this.#wakeUp?.();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return this.#loop;
    this.#stopped = true;
    this.wake();
    await this.#loop;
    const timer = new Promise<void>((resolve) => setTimeout(resolve, this.settings.closeTimeoutMs).unref());
    await Promise.race([Promise.allSettled([...this.#running]), timer]);
    // Unreachable database: the consumer expires instead (LocalEventBus.prune).
    await this.settings.remove?.().catch(() => {});
    this.settings.onStop(this);
  }

  #wants(subject: string): boolean {
    return (
      this.options.subjects.some((filter) => subjectMatches(filter, subject)) &&
      !this.#excluded.some((filter) => subjectMatches(filter, subject))
    );
  }

  async #run(): Promise<void> {
    let keptAliveMs = Date.now();
    while (!this.#stopped) {
      this.#wakeRequested = false;
      if (this.settings.keepAlive && Date.now() - keptAliveMs >= EPHEMERAL_IDLE_MS / 3) {
        keptAliveMs = Date.now();
        await this.settings.keepAlive().catch(() => {});
      }
      let waitMs = this.settings.pollIntervalMs;
      try {
        const free = this.#concurrency - this.#running.size;
        if (free > 0) {
          const { more, claimed } = await this.#dispatchAndClaim(free);
          for (const message of claimed) this.#handle(message);
          if (more || claimed.length === free) waitMs = 0;
          else {
            const next = await this.#nextVisibleMs();
            if (next !== undefined) waitMs = Math.min(waitMs, Math.max(0, next - Date.now()));
          }
        }
      } catch {
        // The database is unavailable (or closing): try again after the poll interval.
      }
      // With every slot busy, a finishing handler wakes the loop (or the poll does).
      if (waitMs > 0) await this.#sleep(waitMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#wakeRequested || this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeUp = () => {
        this.#wakeUp = undefined;
        done();
      };
    });
  }

  /**
   * One transaction: dispatch new events, then lease what is visible. On SQLite a write
   * transaction costs an fsync, so each pass of the loop costs at most one, and none when no event
   * matched and nothing was visible.
   */
  async #dispatchAndClaim(free: number): Promise<{ more: boolean; claimed: Claimed[] }> {
    const result = await this.db.transaction().execute(async (trx) => {
      const dispatched = await this.#dispatch(trx);
      return { ...dispatched, claimed: await this.#claim(trx, free) };
    });
    if (result.scanned !== undefined) this.#scanned = Math.max(this.#scanned, result.scanned);
    return result;
  }

  /**
   * Moves events past the consumer's cursor that match its filters into its pending set. Events
   * that match nothing only move an in-memory cursor (`scanned`, kept once the transaction
   * commits): storing the cursor would cost a write per publish for every consumer an event is
   * not for. The stored cursor catches up with the next match or once it lags by a batch; after a
   * restart the consumer re-examines at most that many events, and matching is deterministic, so
   * nothing is delivered twice or missed.
   */
  async #dispatch(trx: Transaction<LocalBusTables>): Promise<{ more: boolean; scanned?: number }> {
    const consumer = await trx
      .selectFrom('bus_consumers')
      .select(['cursor', 'subjects'])
      .where('name', '=', this.durable)
      // Serialises dispatch between processes on PostgreSQL; SQLite transactions already are.
      .$if(this.settings.lockRows, (qb) => qb.forUpdate())
      .executeTakeFirstOrThrow();
    const events = await trx
      .selectFrom('bus_events')
      .select(['seq', 'subject'])
      .where('seq', '>', Math.max(Number(consumer.cursor), this.#scanned))
      .orderBy('seq')
      .limit(DISPATCH_BATCH)
      .execute();
    if (events.length === 0) return { more: false };
    const last = Number(events[events.length - 1]!.seq);
    const filters = JSON.parse(consumer.subjects) as string[];
    const now = Date.now();
    const matching = events
      .filter(
        (event) =>
          filters.some((filter) => subjectMatches(filter, event.subject)) &&
          !this.#excluded.some((filter) => subjectMatches(filter, event.subject)),
      )
      .map((event) => ({ consumer: this.durable, seq: Number(event.seq), deliveries: 0, visible_ms: now }));
    if (matching.length > 0) {
      await trx
        .insertInto('bus_pending')
        .values(matching)
        .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
        .execute();
    }
    if (matching.length > 0 || last - Number(consumer.cursor) >= DISPATCH_BATCH) {
      await trx.updateTable('bus_consumers').set({ cursor: last }).where('name', '=', this.durable).execute();
    }
    return { more: events.length === DISPATCH_BATCH, scanned: last };
  }

  /** Leases up to `limit` visible messages for `ackWaitMs`; a lease another subscriber won is skipped. */
  async #claim(trx: Transaction<LocalBusTables>, limit: number): Promise<Claimed[]> {
    const now = Date.now();
    const candidates = await trx
      .selectFrom('bus_pending')
      .select(['seq', 'deliveries'])
      .where('consumer', '=', this.durable)
      .where('visible_ms', '<=', now)
      .orderBy('seq')
      .limit(limit)
      .execute();
    const won: { seq: number; deliveries: number }[] = [];
    for (const candidate of candidates) {
      const result = await trx
        .updateTable('bus_pending')
        .set({ deliveries: candidate.deliveries + 1, visible_ms: now + this.#ackWaitMs })
        .where('consumer', '=', this.durable)
        .where('seq', '=', candidate.seq)
        .where('deliveries', '=', candidate.deliveries)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n)
        won.push({ seq: Number(candidate.seq), deliveries: candidate.deliveries + 1 });
    }
    if (won.length === 0) return [];
    const events = await trx
      .selectFrom('bus_events')
      .select(['seq', 'subject', 'envelope'])
      .where(
        'seq',
        'in',
        won.map((w) => w.seq),
      )
      .execute();
    const bySeq = new Map(events.map((event) => [Number(event.seq), event]));
    const claimed: Claimed[] = [];
    for (const { seq, deliveries } of won) {
      const event = bySeq.get(seq);
      if (event === undefined) {
        // The event row is gone (deleted by hand): nothing to deliver.
        await trx
          .deleteFrom('bus_pending')
          .where('consumer', '=', this.durable)
          .where('seq', '=', seq)
          .execute();
      } else claimed.push({ seq, deliveries, subject: event.subject, envelope: event.envelope });
    }
    return claimed;
  }

  async #nextVisibleMs(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('bus_pending')
      .select((eb) => eb.fn.min('visible_ms').as('next'))
      .where('consumer', '=', this.durable)
      .executeTakeFirst();
    return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
  }

  #handle(claimed: Claimed): void {
    let settled = false;
    const settle = async (update: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      try {
        await update();
      } catch (cause) {
        throw busErrors.create('BUS_UNAVAILABLE', `Could not settle message ${claimed.seq}`, { cause });
      } finally {
        this.wake();
      }
    };
    const pending = () =>
      this.db.updateTable('bus_pending').where('consumer', '=', this.durable).where('seq', '=', claimed.seq);
    const message: BusMessage = {
      subject: claimed.subject,
      event: JSON.parse(claimed.envelope) as EventEnvelope,
      deliveryCount: claimed.deliveries,
      ack: () => settle(() => this.settings.ack(claimed.seq)),
      nak: (delayMs = 0) =>
        settle(() =>
          pending()
            .set({ visible_ms: Date.now() + Math.max(0, delayMs) })
            // Only if the message was not redelivered to someone else meanwhile.
            .where('deliveries', '=', claimed.deliveries)
            .execute(),
        ),
    };
    const run = (async () => {
      try {
        await this.options.handler(message);
      } catch {
        await message.nak(retryDelayMs(claimed.deliveries)).catch(() => {});
      }
    })();
    this.#running.add(run);
    void run.finally(() => {
      this.#running.delete(run);
      this.wake();
    });
  }
}
