import type { ServiceName } from '../services.js';

/** What a service asks the log to record (docs/log-format.md §1). */
export interface LogAppendRequest {
  /** Lower-case dotted event type, e.g. `policy.decision`. */
  readonly type: string;
  /** The emitting service. */
  readonly source: ServiceName;
  /** Any JSON value. */
  readonly payload: unknown;
  /** `YYYY-MM-DDTHH:MM:SS.sssZ`; the log's clock when omitted. */
  readonly time?: string;
  /** Idempotency key (e.g. an event id): appending the same key again returns the first receipt. */
  readonly key?: string;
}

/**
 * The answer header of an append over HTTP saying whether the replica that took it sequences the
 * log (`sequencer`) or handed it over to the one that does (`replica`, a few round trips more):
 * a client that knows several replicas sends its next appends elsewhere on `replica`.
 */
export const LOG_ROLE_HEADER = 'x-acgs-log-role';

/** How an append should be committed. */
export interface LogAppendOptions {
  /**
   * The caller has already gathered concurrent work into this append (the PGC's decision log
   * does): the log commits it at once instead of first letting the event loop's turn bring more
   * appends. Only the in-process log acts on it; over HTTP each request is its own turn anyway.
   */
  readonly gathered?: boolean;
}

/** A durable append: the entry's index and leaf hash (hex). */
export interface LogAppendReceipt {
  readonly index: number;
  readonly leafHash: string;
}

/** A signed tree head. `note` is the C2SP signed note; `rootHash` is hex. */
export interface LogCheckpointView {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: string;
  readonly note: string;
  readonly signedAt: string;
}

/** RFC 6962 inclusion proof of one entry in the tree of `size` entries (hashes in hex). */
export interface InclusionProofView {
  readonly index: number;
  readonly size: number;
  readonly leafHash: string;
  readonly rootHash: string;
  readonly proof: readonly string[];
}

/** RFC 6962 consistency proof between two tree sizes (hashes in hex). */
export interface ConsistencyProofView {
  readonly from: number;
  readonly to: number;
  readonly fromRoot: string;
  readonly toRoot: string;
  readonly proof: readonly string[];
}

/** Ask for an inclusion proof by index or by leaf hash; `size` defaults to the latest checkpoint's. */
export type InclusionQuery =
  | { readonly index: number; readonly size?: number }
  | { readonly leafHash: string; readonly size?: number };

/**
 * What other services may ask the Integrity service. Implemented in-process by the service (embedded
 * mode: `append` joins the group commit directly) and over HTTP by its client (distributed mode).
 */
export interface IntegrityContract {
  /** Resolves once the entry is durable in the log. */
  append(entry: LogAppendRequest, options?: LogAppendOptions): Promise<LogAppendReceipt>;
  latestCheckpoint(): Promise<LogCheckpointView>;
  inclusionProof(query: InclusionQuery): Promise<InclusionProofView>;
  consistencyProof(from: number, to: number): Promise<ConsistencyProofView>;
}
