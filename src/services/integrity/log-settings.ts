import { hostname } from 'node:os';
import { ConfigError, EnvReader } from '../../kernel/config.js';
import { isValidKeyName } from '../../merkle/index.js';

/** The Integrity service's own settings (docs/integrity.md), read from the environment at start-up. */
export interface LogSettings {
  /** ACGS_LOG_ORIGIN: the log's name in checkpoints and its key name; fixed once the log exists. */
  readonly origin: string | undefined;
  /** ACGS_LOG_SIGNING_KEY: signer keys (skeys), comma- or space-separated; two during a rotation. */
  readonly signingKeys: readonly string[];
  /** ACGS_LOG_CHECKPOINT_MS: most time between growth and a signed checkpoint (0: every batch). */
  readonly checkpointIntervalMs: number;
  /** ACGS_LOG_BATCH_MAX: most entries one group commit writes. */
  readonly maxBatch: number;
  /** ACGS_LOG_QUEUE_MAX: appends waiting beyond this are refused with 503 LOG_PUSHBACK. */
  readonly maxQueue: number;
  /** ACGS_LOG_APPEND_TIMEOUT_MS: how long a replica waits for the sequencer to integrate an append. */
  readonly appendTimeoutMs: number;
  /** ACGS_LOG_SCRUB_RATE: entries per second the background scrubber re-hashes (0: off). */
  readonly scrubRate: number;
  /** ACGS_LOG_SCRUB_BYTES_RATE: bytes of entry text the scrubber re-hashes per second. */
  readonly scrubBytesRate: number;
  /**
   * ACGS_LOG_CLIENT_TIME_SKEW_MS: an HTTP append may name its entry's time only within this many
   * ms of the log's clock (a back-dated entry is refused); without a time the log's clock is used.
   */
  readonly clientTimeSkewMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the log settings; throws ConfigError naming every bad variable (the key's value is never shown). */
export function loadLogSettings(env: Env = process.env): LogSettings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const origin = env.ACGS_LOG_ORIGIN?.trim() || undefined;
  if (origin !== undefined && !isValidKeyName(origin)) {
    problems.push(
      `ACGS_LOG_ORIGIN: expected a log name without spaces or '+', such as log.example.org/acgs, got ${JSON.stringify(origin)}`,
    );
  }
  const keys = (env.ACGS_LOG_SIGNING_KEY ?? '').split(/[\s,]+/).filter((k) => k.length > 0);
  if (keys.some((k) => !k.startsWith('PRIVATE+KEY+'))) {
    problems.push('ACGS_LOG_SIGNING_KEY: expected one or more signer keys PRIVATE+KEY+<name>+<id>+<key>');
  }
  const settings: LogSettings = {
    origin,
    signingKeys: keys,
    checkpointIntervalMs: read.integer('ACGS_LOG_CHECKPOINT_MS', 1000, 0, 60_000),
    maxBatch: read.integer('ACGS_LOG_BATCH_MAX', 4096, 1, 100_000),
    maxQueue: read.integer('ACGS_LOG_QUEUE_MAX', 100_000, 1, 10_000_000),
    appendTimeoutMs: read.integer('ACGS_LOG_APPEND_TIMEOUT_MS', 30_000, 100, 600_000),
    scrubRate: read.integer('ACGS_LOG_SCRUB_RATE', 2000, 0, 1_000_000),
    scrubBytesRate: read.integer('ACGS_LOG_SCRUB_BYTES_RATE', 4 * 1024 * 1024, 1024, 1_000_000_000),
    clientTimeSkewMs: read.integer('ACGS_LOG_CLIENT_TIME_SKEW_MS', 300_000, 0, 3_600_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** The default origin: `<host name>/acgs`, reduced to characters a key name may hold. */
export function defaultOrigin(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost';
  return `${host}/acgs`;
}
