import type { Clock } from '../../kernel/clock.js';
import type { LogSelfCheck } from './log-self-check.js';
import type { LogSequencer } from './log-sequencer.js';
import type { LogStore } from './log-store.js';
import type { LogIdentity } from './signing-keys.js';

/** What the log's use cases work with. */
export interface LogDeps {
  readonly store: LogStore;
  readonly sequencer: LogSequencer;
  readonly identity: LogIdentity;
  readonly clock: Clock;
  /** Where reads report stored data that does not match its hashes. */
  readonly selfCheck: LogSelfCheck;
}
