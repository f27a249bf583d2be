import { type Insertable, type Kysely, sql } from 'kysely';
import { type EventEnvelope, subjectOf } from '../kernel/events.js';
import type { Database } from '../storage/database.js';
import { assertDurableName, assertEventSubject, assertSubjectFilter } from './bus-subjects.js';
import { busErrors } from './errors.js';
import { EPHEMERAL_IDLE_MS, type EventBus, type SubscribeOptions, type Subscription } from './event-bus.js';
import { GroupCommit } from './group-commit.js';
import { type LocalBusTables, localBusMigrations } from './local-bus-schema.js';
import { LocalSubscription } from './local-subscription.js';

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
const neighbours = new WeakMap<Database, Set<(subject: string) => void>>();

/**
 * The embedded-mode event bus: in-process delivery, persisted in the platform's own database
 * (tables `bus_events`, `bus_consumers`, `bus_pending`, migrated under owner `bus`).
 *
 * - `publish` resolves once the event row is committed and on disk (the WAL fsynced,
 *   sqlite-wal-sync.ts), so an acknowledged event survives a crash. Publishing an id twice stores it once.
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
  readonly #wakeAll = (subject: string) => {
    for (const subscription of this.#subscriptions) subscription.wake(subject);
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
    await bus.prune();
    bus.#pruneTimer = setInterval(
      () => void bus.prune().catch(() => {}),
      Math.max(1000, Math.min(retentionMs / 10, EPHEMERAL_IDLE_MS)),
    );
    bus.#pruneTimer.unref();
    return bus;
  }

  /**
   * Removes ephemeral consumers whose process died (unrefreshed for EPHEMERAL_IDLE_MS), then
   * deletes events older than `retentionMs` that no consumer holds unacked; returns how many
   * events. Runs on open and then periodically (every tenth of the retention, at least every
   * EPHEMERAL_IDLE_MS).
   */
  async prune(now = Date.now()): Promise<number> {
    await this.#removeExpiredConsumers(now);
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

  /** Ephemeral consumers whose process stopped refreshing them (it died): gone, with their messages. */
  async #removeExpiredConsumers(now: number): Promise<void> {
    const expired = await this.#db
      .selectFrom('bus_consumers')
      .select('name')
      .where('expires_ms', 'is not', null)
      .where('expires_ms', '<', now)
      .execute();
    for (const { name } of expired) await this.#removeConsumer(name);
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
    for (const wake of neighbours.get(this.database) ?? []) wake(subject);
  }

  async subscribe<Data = unknown>(options: SubscribeOptions<Data>): Promise<Subscription> {
    this.#assertOpen();
    assertDurableName(options.durable);
    if (options.subjects.length === 0) {
      throw busErrors.create('BUS_OPTIONS_INVALID', 'A subscription needs at least one subject filter');
    }
    for (const filter of [...options.subjects, ...(options.excludeSubjects ?? [])])
      assertSubjectFilter(filter);
    const ephemeral = options.ephemeral === true;
    await this.#ensureConsumer(
      options.durable,
      options.subjects,
      ephemeral ? 'new' : (options.deliverFrom ?? 'all'),
      ephemeral,
    );
    const subscription = new LocalSubscription(this.#db, options as SubscribeOptions, {
      lockRows: this.database.dialect === 'postgres',
      pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      closeTimeoutMs: this.options.closeTimeoutMs ?? 5000,
      ack: (seq) => this.#acks.submit({ consumer: options.durable, seq }),
      onStop: (s) => this.#subscriptions.delete(s),
      ...(ephemeral
        ? {
            keepAlive: () => this.#extendEphemeral(options.durable),
            remove: () => this.#removeConsumer(options.durable),
          }
        : {}),
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

  async #extendEphemeral(name: string): Promise<void> {
    await this.#db
      .updateTable('bus_consumers')
      .set({ expires_ms: Date.now() + EPHEMERAL_IDLE_MS })
      .where('name', '=', name)
      .execute();
  }

  async #removeConsumer(name: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('bus_pending').where('consumer', '=', name).execute();
      await trx.deleteFrom('bus_consumers').where('name', '=', name).execute();
    });
  }

  async #ensureConsumer(
    name: string,
    subjects: readonly string[],
    deliverFrom: 'all' | 'new',
    ephemeral: boolean,
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
          .values({
            name,
            subjects: filters,
            cursor: Number(last?.seq ?? 0),
            created_ms: Date.now(),
            expires_ms: ephemeral ? Date.now() + EPHEMERAL_IDLE_MS : null,
          })
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
