import { type Insertable, type Kysely, sql } from 'kysely';
import { type EventEnvelope, subjectOf } from '../kernel/events.js';
import type { Database } from '../storage/database.js';
import { assertDurableName, assertEventSubject, assertSubjectFilter, retryDelayMs } from './bus-subjects.js';
import { busErrors } from './errors.js';
import type { BusMessage, EventBus, SubscribeOptions, Subscription } from './event-bus.js';
import { subjectMatches } from './event-bus.js';
import { GroupCommit } from './group-commit.js';
import { type LocalBusTables, localBusMigrations } from './local-bus-schema.js';

export interface LocalEventBusOptions {
  /** Safety-net poll for work published by another process on the same database (ms, default 1000). */
  readonly pollIntervalMs?: number;
  /** How long `close()` waits for running handlers before giving up on them (ms, default 5000). */
  readonly closeTimeoutMs?: number;
  /**
   * How long events are kept (ms, default 7 days, like the NATS stream's `maxAgeMs`). Older events
   * are deleted unless some durable still has them unacked; a durable created later, or one that
   * fell further behind than this, does not see them. `Infinity` keeps everything.
   */
  readonly retentionMs?: number;
}

const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Buses sharing one Database object wake each other's subscribers on publish. */
const neighbours = new WeakMap<Database, Set<() => void>>();

const DISPATCH_BATCH = 500;

/**
 * The embedded-mode event bus: in-process delivery, persisted in the platform's own database
 * (tables `bus_events`, `bus_consumers`, `bus_pending`, migrated under owner `bus`).
 *
 * - `publish` resolves once the event row is committed (with SQLite's `synchronous=FULL`, on
 *   disk), so an acknowledged event survives a crash. Publishing an id twice stores it once.
 * - Delivery is at least once and prompt: a publish wakes the subscribers in this process at
 *   once; a slow poll (`pollIntervalMs`) covers other processes sharing the database.
 * - A durable consumer's position and its unacked messages live in the database: after a
 *   restart it resumes where it was; a message delivered but not acked before the crash is
 *   redelivered once its `ackWaitMs` lease runs out.
 * - Subscribers sharing a durable name split the messages; a message not acked within
 *   `ackWaitMs` is redelivered; `nak(delay)` redelivers after the delay; a handler that throws
 *   gets its message back after a back-off (100 ms doubling to 10 s); `deliveryCount` counts.
 * - A new durable starts from every stored event (`deliverFrom: 'all'`, the default) or only
 *   from events published after it was created (`'new'`). Events are kept for `retentionMs`
 *   (7 days by default), and longer while a durable still has them unacked.
 * - Meant for SQLite (embedded mode); it also runs on PostgreSQL, where publishers take turns
 *   on a table lock so that consumers never skip an event.
 *
 * Construct with `await LocalEventBus.open(database)`; `close()` stops its subscriptions but
 * leaves the database open (the caller owns it).
 * @example
 * const bus = await LocalEventBus.open(createDatabase('sqlite:./data/acgs.db'));
 * await bus.subscribe({ durable: 'integrity-log', subjects: ['acgs.>'], handler: async (m) => m.ack() });
 */
export class LocalEventBus implements EventBus {
  readonly #subscriptions = new Set<LocalSubscription>();
  readonly #wakeAll = () => {
    for (const subscription of this.#subscriptions) subscription.wake();
  };
  #closed = false;
  /** Concurrent publishes share one insert transaction. */
  readonly #publishes = new GroupCommit<Insertable<LocalBusTables['bus_events']>>((rows) =>
    this.#db.transaction().execute(async (trx) => {
      // Consumers read events in seq order up to a cursor, so events must become visible in seq
      // order. SQLite has one writer at a time; on PostgreSQL concurrent publishers from several
      // processes could commit seq 11 before seq 10, so they take turns.
      if (this.database.dialect === 'postgres')
        await sql`lock table bus_events in exclusive mode`.execute(trx);
      await trx
        .insertInto('bus_events')
        .values([...rows])
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }),
  );
  #pruneTimer: NodeJS.Timeout | undefined;
  /** Concurrent acks, from every subscription of this bus, share one delete. */
  readonly #acks = new GroupCommit<{ consumer: string; seq: number }>(async (keys) => {
    await this.#db
      .deleteFrom('bus_pending')
      .where((eb) =>
        eb.or(keys.map((key) => eb.and([eb('consumer', '=', key.consumer), eb('seq', '=', key.seq)]))),
      )
      .execute();
  });

  private constructor(
    private readonly database: Database,
    private readonly options: LocalEventBusOptions,
  ) {
    let set = neighbours.get(database);
    if (set === undefined) {
      set = new Set();
      neighbours.set(database, set);
    }
    set.add(this.#wakeAll);
  }

  /** Migrates the bus tables (owner `bus`) and returns a bus ready to use. */
  static async open(database: Database, options: LocalEventBusOptions = {}): Promise<LocalEventBus> {
    await database.migrate('bus', localBusMigrations(database.dialect));
    const bus = new LocalEventBus(database, options);
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    if (Number.isFinite(retentionMs)) {
      await bus.prune();
      bus.#pruneTimer = setInterval(
        () => void bus.prune().catch(() => {}),
        Math.max(1000, Math.min(retentionMs / 10, 3600_000)),
      );
      bus.#pruneTimer.unref();
    }
    return bus;
  }

  /**
   * Deletes events older than `retentionMs` that no durable holds unacked; returns how many.
   * Runs on open and then periodically (every tenth of the retention, at most hourly).
   */
  async prune(now = Date.now()): Promise<number> {
    const retentionMs = this.options.retentionMs ?? DEFAULT_RETENTION_MS;
    if (!Number.isFinite(retentionMs)) return 0;
    const result = await this.#db
      .deleteFrom('bus_events')
      .where('published_ms', '<', now - retentionMs)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('bus_pending')
              .select('bus_pending.seq')
              .whereRef('bus_pending.seq', '=', 'bus_events.seq'),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  get #db(): Kysely<LocalBusTables> {
    return this.database.as<LocalBusTables>();
  }

  async publish(event: EventEnvelope): Promise<void> {
    this.#assertOpen();
    const subject = subjectOf(event);
    assertEventSubject(subject);
    try {
      await this.#publishes.submit({
        id: event.id,
        subject,
        envelope: JSON.stringify(event),
        published_ms: Date.now(),
      });
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', `Event ${event.id} could not be stored`, { cause });
    }
    for (const wake of neighbours.get(this.database) ?? []) wake();
  }

  async subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription> {
    this.#assertOpen();
    assertDurableName(options.durable);
    if (options.subjects.length === 0) {
      throw busErrors.create('BUS_OPTIONS_INVALID', 'A subscription needs at least one subject filter');
    }
    for (const filter of options.subjects) assertSubjectFilter(filter);
    await this.#ensureConsumer(options.durable, options.subjects, options.deliverFrom ?? 'all');
    const subscription = new LocalSubscription(this.#db, options as SubscribeOptions, {
      lockRows: this.database.dialect === 'postgres',
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      closeTimeoutMs: this.options.closeTimeoutMs ?? 5000,
      ack: (seq) => this.#acks.submit({ consumer: options.durable, seq }),
      onStop: (s) => this.#subscriptions.delete(s),
    });
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    try {
      await this.database.ping();
    } catch (cause) {
      throw busErrors.create('BUS_UNAVAILABLE', 'The local bus cannot reach its database', { cause });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    neighbours.get(this.database)?.delete(this.#wakeAll);
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
  }

  async #ensureConsumer(
    name: string,
    subjects: readonly string[],
    deliverFrom: 'all' | 'new',
  ): Promise<void> {
    const filters = JSON.stringify([...subjects].sort());
    await this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('bus_consumers')
        .select('subjects')
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing === undefined) {
        const last =
          deliverFrom === 'new'
            ? await trx
                .selectFrom('bus_events')
                .select((eb) => eb.fn.max('seq').as('seq'))
                .executeTakeFirst()
            : undefined;
        await trx
          .insertInto('bus_consumers')
          .values({ name, subjects: filters, cursor: Number(last?.seq ?? 0), created_ms: Date.now() })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      } else if (existing.subjects !== filters) {
        // Like updating a NATS consumer's filter: applies to events not yet handed to it.
        await trx.updateTable('bus_consumers').set({ subjects: filters }).where('name', '=', name).execute();
      }
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw busErrors.create('BUS_UNAVAILABLE', 'The local bus is closed');
  }
}

interface Claimed {
  readonly seq: number;
  readonly deliveries: number;
  readonly subject: string;
  readonly envelope: string;
}

interface SubscriptionSettings {
  readonly lockRows: boolean;
  readonly pollIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly ack: (seq: number) => Promise<void>;
  readonly onStop: (subscription: LocalSubscription) => void;
}

/** One subscriber's delivery loop: hand new events to the consumer, claim visible ones, run handlers. */
class LocalSubscription implements Subscription {
  readonly durable: string;
  readonly #ackWaitMs: number;
  readonly #concurrency: number;
  readonly #running = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wakeRequested = false;
  #wakeUp: (() => void) | undefined;

  constructor(
    private readonly db: Kysely<LocalBusTables>,
    private readonly options: SubscribeOptions,
    private readonly settings: SubscriptionSettings,
  ) {
    this.durable = options.durable;
    this.#ackWaitMs = Math.max(1, options.ackWaitMs ?? 30_000);
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  start(): void {
    this.#loop = this.#run();
  }

  wake(): void {
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
    this.settings.onStop(this);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#wakeRequested = false;
      let waitMs = this.settings.pollIntervalMs;
      try {
        const free = this.#concurrency - this.#running.size;
        if (free > 0) {
          const more = await this.#dispatch();
          const claimed = await this.#claim(free);
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

  /** Moves events past the consumer's cursor that match its filters into its pending set. */
  async #dispatch(): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
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
        .where('seq', '>', consumer.cursor)
        .orderBy('seq')
        .limit(DISPATCH_BATCH)
        .execute();
      if (events.length === 0) return false;
      const filters = JSON.parse(consumer.subjects) as string[];
      const now = Date.now();
      const matching = events
        .filter((event) => filters.some((filter) => subjectMatches(filter, event.subject)))
        .map((event) => ({ consumer: this.durable, seq: Number(event.seq), deliveries: 0, visible_ms: now }));
      if (matching.length > 0) {
        await trx
          .insertInto('bus_pending')
          .values(matching)
          .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
          .execute();
      }
      await trx
        .updateTable('bus_consumers')
        .set({ cursor: Number(events[events.length - 1]!.seq) })
        .where('name', '=', this.durable)
        .execute();
      return events.length === DISPATCH_BATCH;
    });
  }

  /** Leases up to `limit` visible messages for `ackWaitMs`; a lease another subscriber won is skipped. */
  async #claim(limit: number): Promise<Claimed[]> {
    return this.db.transaction().execute(async (trx) => {
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
    });
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
