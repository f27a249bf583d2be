import pg from 'pg';
import type { DatabaseListener } from './database.js';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1000;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * PostgreSQL `LISTEN` on one dedicated connection (not a pooled one: a pooled connection goes back
 * to the pool between queries, and its subscriptions with it). A lost connection is made again,
 * backing off 100 ms → 1 s while the server stays away, and never ends the process. Notifications
 * sent while it was away are lost, so after every (re)connection `onNotify` is called once for each
 * channel: a listener that treats a notification as "look now" then misses nothing.
 */
export class PostgresListener implements DatabaseListener {
  #client: pg.Client | undefined;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly channels: readonly string[],
    private readonly onNotify: (channel: string) => void,
    private readonly applicationName = 'acgs-listen',
  ) {
    for (const channel of channels)
      if (!CHANNEL.test(channel)) throw new TypeError(`not a channel name: ${JSON.stringify(channel)}`);
    void this.#connect();
  }

  /** True while the connection is up and listening. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: this.applicationName,
      connectionTimeoutMillis: 2000,
    });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      this.#reconnectLater();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    client.on('notification', (message) => {
      if (!lost && !this.#stopped) this.onNotify(message.channel);
    });
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    } catch {
      onLost();
      return;
    }
    if (lost) return;
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#failures = 0;
    for (const channel of this.channels) this.onNotify(channel);
  }

  #reconnectLater(): void {
    if (this.#stopped) return;
    this.#failures++;
    const wait = Math.min(FIRST_BACKOFF_MS * 2 ** (this.#failures - 1), MAX_BACKOFF_MS);
    this.#retry = setTimeout(() => void this.#connect(), wait);
    this.#retry.unref();
  }
}
