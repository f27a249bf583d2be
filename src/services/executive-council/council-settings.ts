import { ConfigError, EnvReader } from '../../kernel/config.js';

/** The Executive Council's own settings (docs/council.md §8), read from the environment at start-up. */
export interface CouncilSettings {
  /** ACGS_COUNCIL_TICK_MS: the longest the scheduler sleeps between looks for due work. */
  readonly tickMs: number;
  /** ACGS_COUNCIL_VOTE_SKEW_MS: how far a vote's signed time may be from the server's clock. */
  readonly voteSkewMs: number;
  /** ACGS_COUNCIL_ENACT_ATTEMPTS: attempts at an enactment before it is marked failed. */
  readonly enactAttempts: number;
  /** ACGS_COUNCIL_ENACT_LEASE_MS: how long one replica's claim on an enactment lasts. */
  readonly enactLeaseMs: number;
  /** ACGS_REVIEW_DEADLINE_SECONDS: a review task's deadline when its obligations name none. */
  readonly reviewDeadlineSeconds: number;
  /** ACGS_REVIEW_LEASE_SECONDS: how long a reviewer's claim lasts by default. */
  readonly reviewLeaseSeconds: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadCouncilSettings(env: Env = process.env): CouncilSettings {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const settings: CouncilSettings = {
    tickMs: read.integer('ACGS_COUNCIL_TICK_MS', 1000, 20, 60_000),
    voteSkewMs: read.integer('ACGS_COUNCIL_VOTE_SKEW_MS', 300_000, 1000, 3_600_000),
    enactAttempts: read.integer('ACGS_COUNCIL_ENACT_ATTEMPTS', 8, 1, 100),
    enactLeaseMs: read.integer('ACGS_COUNCIL_ENACT_LEASE_MS', 60_000, 1000, 3_600_000),
    reviewDeadlineSeconds: read.integer('ACGS_REVIEW_DEADLINE_SECONDS', 86_400, 1, 30 * 86_400),
    reviewLeaseSeconds: read.integer('ACGS_REVIEW_LEASE_SECONDS', 900, 5, 86_400),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
