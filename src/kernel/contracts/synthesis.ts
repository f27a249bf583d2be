/**
 * A model-proposed change to a policy set, asked of the Governance Synthesis service by the
 * Darwin Gödel Machine's `model-proposal` operator. The request carries only what the search
 * may see — the set and the training scenarios it decides wrongly — never a held-out scenario,
 * the evaluator or its scores; what comes back is data that the DGM validates, evaluates and
 * sends to the formal verifier like any other child.
 */

/** A training scenario the set decides wrongly. */
export interface ChangeFailure {
  readonly request: unknown;
  readonly expected: 'allow' | 'deny' | 'review';
  readonly got: 'allow' | 'deny' | 'review';
}

export interface ChangeRequest {
  /** The constitution version the change must satisfy (its invariants, vocabulary and rules). */
  readonly constitutionHash: string;
  readonly policies: readonly unknown[];
  readonly failures: readonly ChangeFailure[];
}

export interface ChangeProposal {
  /** The whole changed set, as the model wrote it (not yet validated). */
  readonly policies: readonly unknown[];
  readonly provider: string;
  readonly model: string;
}

export interface PolicyChangeContract {
  /**
   * One proposal. MUST reject when no model answers with a policy set (the caller skips the
   * change) and once `signal` aborts; MUST NOT send the model anything but the constitution and
   * the request.
   */
  proposeChange(request: ChangeRequest, signal: AbortSignal): Promise<ChangeProposal>;
}
