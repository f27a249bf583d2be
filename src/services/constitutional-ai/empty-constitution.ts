import { type ConstitutionalHash, constitutionalHashOf } from '../../kernel/constitutional-hash.js';

/**
 * The constitution in force before any version is published: no principles, an empty vocabulary,
 * and deny as the default decision. Its hash is what every response carries until the first
 * version is enacted.
 */
export const EMPTY_CONSTITUTION = {
  version: 0,
  principles: [],
  vocabulary: { attributes: {} },
  defaultDecision: 'deny',
  councilRules: {},
  scenarioSuites: [],
} as const;

export const EMPTY_CONSTITUTION_HASH: ConstitutionalHash = constitutionalHashOf(EMPTY_CONSTITUTION);
