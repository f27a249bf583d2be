/**
 * The operators a run uses by default, declared once. The model-proposed operator joins them
 * when a synthesis provider is configured for the service (`model-proposal-operator.ts`).
 */
import { addConjunct, dropConjunct } from './conjunct-operators.js';
import { patchFailure } from './failure-patch-operator.js';
import type { MutationOperator } from './operator.js';
import { allowToReview, mergePolicies, retirePolicy, splitPolicy } from './structure-operators.js';
import { loosenThreshold, tightenThreshold } from './threshold-operators.js';

export const DEFAULT_OPERATORS: readonly MutationOperator[] = Object.freeze([
  tightenThreshold,
  loosenThreshold,
  addConjunct,
  dropConjunct,
  allowToReview,
  splitPolicy,
  mergePolicies,
  retirePolicy,
  patchFailure,
]);
