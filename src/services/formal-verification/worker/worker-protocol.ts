/**
 * The messages between the verification threads and the thread that asks (worker-verifier.ts,
 * verification-worker.ts). Inputs are structured-cloned: policies are sent as plain objects
 * (a loaded file's source positions without the function that maps condition offsets).
 */

import type { VerificationInput } from '../verification-model.js';
import type { VerificationReport } from '../verification-report.js';
import type { ImpactInput, ImpactOutcome } from '../verify-policy-set.js';

/** The options a verification thread takes (the solver is its own). */
export interface ThreadOptions {
  readonly queryTimeoutMs?: number;
  readonly timeLimitMs?: number;
  readonly constitutionHash?: string;
  readonly invariantsOnly?: boolean;
  /** This thread's share of the questions (verify-policy-set.ts). */
  readonly part?: { readonly index: number; readonly of: number };
}

export type WorkRequest =
  | {
      readonly id: number;
      readonly kind: 'verify';
      readonly input: VerificationInput;
      readonly options: ThreadOptions;
    }
  | {
      readonly id: number;
      readonly kind: 'classify';
      readonly input: ImpactInput;
      readonly options: ThreadOptions;
    };

/** A PlatformError (or another error) as data. */
export interface ErrorData {
  readonly code?: string;
  readonly status?: number;
  readonly title?: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly errors?: readonly unknown[];
}

export type WorkReply =
  | { readonly id: number; readonly type: 'progress'; readonly done: number }
  | { readonly id: number; readonly type: 'report'; readonly report: VerificationReport }
  | { readonly id: number; readonly type: 'impact'; readonly impact: ImpactOutcome }
  | { readonly id: number; readonly type: 'error'; readonly error: ErrorData };

/** A policy list that survives structured cloning: source positions kept, functions dropped. */
export function cloneablePolicies(policies: readonly unknown[]): unknown[] {
  return policies.map((p) => {
    if (typeof p !== 'object' || p === null || !('source' in p) || !('policy' in p)) return p;
    const source = (p as { source?: Record<string, unknown> }).source;
    if (source === undefined || typeof source !== 'object') return p;
    const { conditionLocation: _f, ...position } = source;
    return { ...p, source: position };
  });
}
