import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The log's Prometheus metrics (docs/integrity.md). */
export interface LogMetrics {
  readonly appended: Counter;
  readonly batchSize: Histogram;
  readonly commitSeconds: Histogram;
  readonly queued: Gauge;
  readonly treeSize: Gauge;
  readonly checkpointSize: Gauge;
  /** Unix time of the latest checkpoint this sequencer signed: the checkpoint-age alert's input. */
  readonly checkpointTime: Gauge;
  readonly checkpointInterval: Gauge;
  readonly sequencer: Gauge;
  readonly pushback: Counter;
  readonly handedOver: Counter;
}

export function createLogMetrics(registry: Registry): LogMetrics {
  const registers = [registry];
  return {
    appended: new Counter({
      name: 'acgs_log_appends_total',
      help: 'Entries this replica integrated into the log as sequencer.',
      registers,
    }),
    batchSize: new Histogram({
      name: 'acgs_log_batch_entries',
      help: 'Entries per group commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'acgs_log_commit_seconds',
      help: 'Time to write one group commit (one transaction).',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    queued: new Gauge({ name: 'acgs_log_queue_entries', help: 'Appends waiting for a commit.', registers }),
    treeSize: new Gauge({
      name: 'acgs_log_tree_entries',
      help: 'Entries in the log (sequencer).',
      registers,
    }),
    checkpointSize: new Gauge({
      name: 'acgs_log_checkpoint_entries',
      help: 'Tree size of the latest signed checkpoint (sequencer).',
      registers,
    }),
    checkpointTime: new Gauge({
      name: 'acgs_log_checkpoint_timestamp_seconds',
      help: 'Unix time at which the latest checkpoint was signed (sequencer).',
      registers,
    }),
    checkpointInterval: new Gauge({
      name: 'acgs_log_checkpoint_interval_seconds',
      help: 'The configured checkpoint interval (ACGS_LOG_CHECKPOINT_MS) in seconds.',
      registers,
    }),
    sequencer: new Gauge({
      name: 'acgs_log_sequencer',
      help: '1 while this replica sequences the log, 0 otherwise.',
      registers,
    }),
    pushback: new Counter({
      name: 'acgs_log_pushback_total',
      help: 'Appends refused with 503 because the queue was full.',
      registers,
    }),
    handedOver: new Counter({
      name: 'acgs_log_handed_over_total',
      help: 'Appends this replica handed to the sequencer through the pending table.',
      registers,
    }),
  };
}
