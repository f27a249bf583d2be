import { Counter, Gauge, type Registry } from 'prom-client';
import type { PlatformError } from '../../kernel/errors.js';
import type { ReadinessCheck } from '../../kit/service-module.js';
import {
  assembleRoot,
  hashEquals,
  hashLeaf,
  parseVerifierKey,
  planRoot,
  toHex,
  verifyCheckpoint,
} from '../../merkle/index.js';
import { integrityErrors } from './errors.js';
import type { LogStore, StoredEntry } from './log-store.js';

/** Which check found the store disagreeing with its own hashes. */
export type SelfCheckKind = 'start' | 'read' | 'proof' | 'scrub';

/** The first place the stored log was found to disagree with its hashes. */
export interface IntegrityFault {
  readonly check: SelfCheckKind;
  /** The lowest entry index concerned. */
  readonly index: number;
  readonly message: string;
}

/**
 * The log's verdict on its own storage. Every check that finds stored data disagreeing with its
 * hashes reports here: the first fault is kept, the service's readiness fails from then on (a log
 * that serves altered entries must leave the load balancer's rotation), and
 * `acgs_log_integrity_failures_total{check}` counts every finding, for alerting.
 */
export class LogSelfCheck {
  #fault: IntegrityFault | undefined;
  readonly #failures: Counter<'check'>;
  readonly #faulty: Gauge;
  readonly #faultIndex: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#failures = new Counter({
      name: 'acgs_log_integrity_failures_total',
      help: 'Times stored log data disagreed with its hashes, by the check that found it (start, read, proof, scrub).',
      labelNames: ['check'],
      registers,
    });
    for (const check of ['start', 'read', 'proof', 'scrub'] as const) this.#failures.inc({ check }, 0);
    this.#faulty = new Gauge({
      name: 'acgs_log_integrity_ok',
      help: '1 while every check of the stored log against its hashes passed, 0 once one failed.',
      registers,
    });
    this.#faulty.set(1);
    this.#faultIndex = new Gauge({
      name: 'acgs_log_integrity_first_bad_index',
      help: 'Index of the first entry found disagreeing with its stored hashes; -1 while none was found.',
      registers,
    });
    this.#faultIndex.set(-1);
  }

  /** The first fault found, if any. */
  get fault(): IntegrityFault | undefined {
    return this.#fault;
  }

  /** Records a fault and returns the error to answer with (LOG_INTEGRITY_FAILED, 500). */
  report(fault: IntegrityFault): PlatformError {
    this.#failures.inc({ check: fault.check });
    if (this.#fault === undefined || fault.index < this.#fault.index) {
      this.#fault = fault;
      this.#faulty.set(0);
      this.#faultIndex.set(fault.index);
    }
    return integrityErrors.create('LOG_INTEGRITY_FAILED', fault.message, {
      details: { index: fault.index, check: fault.check },
    });
  }

  /** Throws LOG_INTEGRITY_FAILED (and records it) unless the entry's text hashes to its stored leaf hash. */
  checkEntry(row: StoredEntry, check: SelfCheckKind = 'read'): void {
    if (hashEquals(hashLeaf(row.entry), row.leafHash)) return;
    throw this.report({
      check,
      index: row.index,
      message: `stored entry ${row.index} does not hash to its stored leaf hash ${toHex(row.leafHash)}: the log's storage was altered`,
    });
  }

  /** Readiness: fails, naming the first bad entry, once any check found a fault. */
  readonly readiness: ReadinessCheck = {
    name: 'log-integrity',
    check: async () => {
      const fault = this.#fault;
      if (fault) throw new Error(`log integrity: entry ${fault.index} (${fault.check}): ${fault.message}`);
    },
  };
}

/**
 * The start-up check: the stored tree, at the size of the latest signed checkpoint, must have that
 * checkpoint's root, and the checkpoint must carry a valid signature from a key the log recorded.
 * The root is assembled from the stored complete subtrees (O(log n) nodes, one query), so this costs
 * the same at any size. Entries removed, or a stored node altered, are found here; an altered entry
 * text is found by the read checks and the scrubber.
 */
export async function verifyStoredFrontier(store: LogStore, check: LogSelfCheck): Promise<void> {
  const latest = await store.latestCheckpoint();
  if (latest === undefined) return;
  const size = await store.size();
  if (size < latest.size) {
    check.report({
      check: 'start',
      index: size,
      message: `the store holds ${size} entries but checkpoint ${latest.size} was signed: entries from ${size} are missing`,
    });
    return;
  }
  const verifiers = (await store.knownKeys()).map((vkey) => parseVerifierKey(vkey));
  const opened = verifyCheckpoint(latest.note, verifiers);
  if (
    !opened.ok ||
    opened.checkpoint.size !== latest.size ||
    !hashEquals(opened.checkpoint.root, latest.root)
  ) {
    check.report({
      check: 'start',
      index: Math.max(0, latest.size - 1),
      message: `the latest stored checkpoint (size ${latest.size}) is not one the log signed`,
    });
    return;
  }
  if (latest.size === 0) return;
  const plan = planRoot(latest.size);
  let root: Uint8Array;
  try {
    root = assembleRoot(plan, await store.readNodes(plan.nodes));
  } catch {
    check.report({
      check: 'start',
      index: 0,
      message: `stored nodes of the tree of size ${latest.size} are missing`,
    });
    return;
  }
  if (!hashEquals(root, latest.root)) {
    check.report({
      check: 'start',
      index: 0,
      message: `the stored tree of size ${latest.size} has root ${toHex(root)}, not the signed ${toHex(latest.root)}`,
    });
  }
}
