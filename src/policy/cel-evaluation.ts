/** What compiled conditions run on: the evaluation context and the closure type (no code). */

/** Evaluation context: the four request namespaces and the comprehension variable slots. */
export interface EvalContext {
  principal: unknown;
  action: unknown;
  resource: unknown;
  context: unknown;
  /** The same four namespaces by index (principal, action, resource, context). */
  readonly ns: unknown[];
  readonly locals: unknown[];
}

export type Evaluator = (ctx: EvalContext) => unknown;
