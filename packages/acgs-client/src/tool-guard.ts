/**
 * `guard()`: makes any async function (an agent's tool) enforce decisions. The wrapped function
 * runs only when the platform allows the call, or when a reviewer approves it; on deny it throws
 * `DecisionDeniedError` and the function never runs.
 *
 * @example
 * const refund = guard(acgs, issueRefund, (args) => ({
 *   action: { type: 'issue_refund', amount: args.amount }, resource: { type: 'order', id: args.orderId },
 * }));
 * await refund({ orderId: 'o-1', amount: 40 });   // runs issueRefund only if allowed
 */
import type { AcgsClient, Decision, DecisionRequest } from './acgs-client.js';
import { DecisionDeniedError } from './client-errors.js';

export interface GuardOptions {
  /** `wait` (default): hold the call until the review resolves; `deny`: treat review as deny. */
  readonly onReview?: 'wait' | 'deny';
  /** How long to wait for a reviewer before giving up (ReviewTimeoutError; default 10 minutes). */
  readonly reviewTimeoutMs?: number;
  /** Called with every decision before the function runs or is refused (audit, metrics). */
  readonly onDecision?: (decision: Decision) => void;
}

/** Wraps `fn` so that each call is decided first; `mapping` turns its arguments into a decision request. */
export function guard<A extends unknown[], R>(
  client: AcgsClient,
  fn: (...args: A) => Promise<R> | R,
  mapping: (...args: A) => DecisionRequest,
  options: GuardOptions = {},
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const decision = await client.decide(mapping(...args));
    options.onDecision?.(decision);
    if (decision.decision === 'allow') return fn(...args);
    if (decision.decision === 'review' && options.onReview !== 'deny') {
      const outcome = await client.waitForReview(decision.decisionId, {
        ...(options.reviewTimeoutMs === undefined ? {} : { timeoutMs: options.reviewTimeoutMs }),
      });
      if (outcome.decision === 'allow') return fn(...args);
      throw new DecisionDeniedError(
        decision.decisionId,
        [`review ${outcome.via === 'deadline' ? 'deadline passed' : 'rejected'}`],
        outcome.via === 'deadline' ? 'deadline' : 'review',
      );
    }
    throw new DecisionDeniedError(decision.decisionId, decision.reasons, 'policy');
  };
}
