/**
 * The language limits, checked before and while a condition is parsed so that no accepted
 * condition can run long or recurse deep. Documented in docs/policy-language.md.
 */
export const LIMITS = {
  /** Characters in one condition. */
  conditionChars: 4096,
  /** Nesting of (), [] and {} in the text. */
  nestingDepth: 24,
  /** Depth of the syntax tree (after `&&`/`||` chains are balanced by the parser). */
  astDepth: 48,
  /** Syntax-tree nodes in one condition (macros count their expansion). */
  nodes: 600,
  /** Elements of one list or map literal. */
  listLiteral: 64,
  /** Comprehensions (all/exists/exists_one/map/filter) nested inside each other. */
  comprehensionNesting: 2,
  /** Static bound on evaluation steps (nodes, loops counted at their largest input). */
  evaluationCost: 100_000,
  /** Characters of a string literal used as a `matches` pattern. */
  regexChars: 256,
  /** Policies in one document. */
  policiesPerDocument: 10_000,
} as const;
