/**
 * Two changes of the example policy set whose impact the formal verifier settles, for the tests of
 * break-glass and narrowing proposals (docs/council.md §5). Neither moves a decision any scenario
 * of the example constitution pins, so each passes the scenario gate.
 */

/** Refunds between 2,000 and 4,000 are denied instead of reviewed: narrowing (review → deny), nothing else moves. */
export const EMERGENCY_DENY = {
  id: 'refunds.emergency-deny-band',
  description: 'Fraud wave: no refund between 2000 and 4000',
  principles: ['fraud-prevention'],
  target: { actions: ['issue_refund'] },
  condition: 'action.amount > 2000.0 && action.amount < 4000.0',
  effect: 'deny',
  priority: 30,
} as const;

/** Human support agents close accounts of verified customers, which the default denied before: widening. */
export const WIDER_ALLOW = {
  id: 'accounts.allow-support-agent',
  description: 'Human support agents close accounts of verified customers',
  principles: ['customer-care'],
  target: { actions: ['close_account'] },
  condition: "principal.type == 'human' && 'support-agent' in principal.roles",
  effect: 'allow',
} as const;

/** With EMERGENCY_DENY, a stricter set still: refunds between 1,000 and 1,500 denied too. */
export const SECOND_DENY = {
  id: 'refunds.emergency-deny-second-band',
  description: 'Fraud wave: no refund between 1000 and 1500 either',
  principles: ['fraud-prevention'],
  target: { actions: ['issue_refund'] },
  condition: 'action.amount > 1000.0 && action.amount < 1500.0',
  effect: 'deny',
  priority: 30,
} as const;
