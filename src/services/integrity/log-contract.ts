import type {
  ConsistencyProofView,
  InclusionProofView,
  InclusionQuery,
  IntegrityContract,
  LogAppendOptions,
  LogAppendReceipt,
  LogAppendRequest,
  LogCheckpointView,
} from '../../kernel/contracts/integrity.js';
import type { LogDeps } from './log-deps.js';
import { appendEntry } from './usecases/append-entry.js';
import { proveConsistency } from './usecases/prove-consistency.js';
import { proveInclusion } from './usecases/prove-inclusion.js';
import { readLatestCheckpoint } from './usecases/read-checkpoint.js';

/**
 * The in-process implementation of the Integrity contract: `append` joins the sequencer's group
 * commit directly (no HTTP, no JSON), so the enforcement hot path pays one canonical encoding and
 * shares one fsync with everything else in its batch.
 */
export class InProcessIntegrity implements IntegrityContract {
  constructor(private readonly deps: LogDeps) {}

  async append(entry: LogAppendRequest, options: LogAppendOptions = {}): Promise<LogAppendReceipt> {
    // In-process callers are the platform's own services in this process: the writer is the
    // service the entry names (an HTTP caller's is its credential's, see routes/entries.ts).
    const { index, leafHash } = await appendEntry(
      this.deps,
      entry,
      { writer: `svc-${entry.source}` },
      options,
    );
    return { index, leafHash };
  }

  latestCheckpoint(): Promise<LogCheckpointView> {
    return readLatestCheckpoint(this.deps);
  }

  inclusionProof(query: InclusionQuery): Promise<InclusionProofView> {
    return proveInclusion(this.deps, query);
  }

  consistencyProof(from: number, to: number): Promise<ConsistencyProofView> {
    return proveConsistency(this.deps, from, to);
  }
}
