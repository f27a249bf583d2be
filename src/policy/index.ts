/**
 * The policy language library: vocabulary, policies (CEL conditions), checker, compiled
 * decision engine with explain. Pure, except `loadPolicies` (reads a directory).
 */
export type { CelType } from './cel-types.js';
export { formatType } from './cel-types.js';
export { type PolicyErrorCode, policyErrors } from './errors.js';
export {
  type ApplicableInvariant,
  compileInvariants,
  type InvariantSet,
  type InvariantSpec,
  invariantAsPolicy,
} from './invariant-set.js';
export {
  type CheckedPolicy,
  checkPolicies,
  type PolicyCheckEntry,
  type PolicyCheckReport,
  type PolicyInput,
} from './policy-checker.js';
export {
  type ParsedDocument,
  type PolicyDiagnostic,
  parsePolicyDocument,
  parseVocabularyDocument,
  type SourcedPolicy,
} from './policy-document-parser.js';
export {
  compilePolicySet,
  type DecisionResult,
  type EngineOptions,
  type MatchedPolicy,
  type PolicyEngine,
} from './policy-engine.js';
export type { Explanation, PolicyExplanation } from './policy-explainer.js';
export { LIMITS } from './policy-limits.js';
export { type LoadedPolicyDirectory, loadPolicies } from './policy-loader.js';
export { EFFECTS, type Effect, type Obligation, type Policy, validatePolicyObject } from './policy-model.js';
export {
  compileRequestValidator,
  type DecisionRequest,
  MAX_REQUEST_COLLECTION,
  validateRequest,
} from './request-validator.js';
export {
  type AttributeDecl,
  NAMESPACES,
  type Namespace,
  parseVocabulary,
  type Vocabulary,
  type VocabularyInput,
} from './vocabulary-parser.js';
export { yamlNodeAt, yamlScalarPosition } from './yaml-source-map.js';
