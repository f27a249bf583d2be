/**
 * Checks a set of policies against a vocabulary: structure, unique ids, condition syntax,
 * limits and types, and, per policy, whether the condition lies in the verifiable subset.
 * Reports every problem with a position; never throws for bad policy text.
 */
import type { SourceLocation } from '../kernel/errors.js';
import { parseCondition } from './cel-ast.js';
import { analyzeSubset, type SubsetReport } from './cel-subset-analyzer.js';
import { type CheckedCondition, checkCondition } from './cel-type-checker.js';
import type { PolicyDiagnostic, SourcedPolicy } from './policy-document-parser.js';
import { type Policy, validatePolicyObject } from './policy-model.js';
import type { Vocabulary } from './vocabulary-parser.js';

export interface CheckedPolicy {
  readonly policy: Policy;
  readonly checked: CheckedCondition;
  readonly subset: SubsetReport;
  readonly source?: SourcedPolicy['source'];
}

/** Per-policy verdict of the checker. */
export interface PolicyCheckEntry {
  readonly id: string;
  readonly version: number;
  readonly ok: boolean;
  /** Inside the verifiable subset (false when the policy does not check at all). */
  readonly verifiable: boolean;
  /** Why the policy is outside the verifiable subset (empty when verifiable). */
  readonly reasons: readonly string[];
}

export interface PolicyCheckReport {
  readonly ok: boolean;
  readonly diagnostics: readonly PolicyDiagnostic[];
  readonly policies: readonly PolicyCheckEntry[];
  /** The policies that checked cleanly, ready for `compilePolicySet`. */
  readonly checked: readonly CheckedPolicy[];
}

export type PolicyInput = Policy | SourcedPolicy;

function isSourced(p: PolicyInput | unknown): p is SourcedPolicy {
  return typeof p === 'object' && p !== null && 'policy' in p && !('id' in p);
}

/** Checks policies (validated objects, raw objects, or the output of `parsePolicyDocument`). */
export function checkPolicies(
  input: readonly PolicyInput[] | readonly unknown[],
  vocabulary: Vocabulary,
): PolicyCheckReport {
  const diagnostics: PolicyDiagnostic[] = [];
  const entries: PolicyCheckEntry[] = [];
  const checkedPolicies: CheckedPolicy[] = [];
  const seen = new Map<string, number>();

  input.forEach((item, index) => {
    let sourced: SourcedPolicy;
    if (isSourced(item)) {
      sourced = item;
    } else {
      const result = validatePolicyObject(item, `/${index}`);
      const id = (item as { id?: unknown } | null)?.id;
      for (const e of result.errors) {
        diagnostics.push({
          code: 'POLICY_INVALID',
          message: e.message,
          pointer: e.pointer,
          ...(typeof id === 'string' ? { policyId: id } : {}),
        });
      }
      if (result.policy === undefined) {
        entries.push({
          id: typeof id === 'string' ? id : `#${index}`,
          version: 0,
          ok: false,
          verifiable: false,
          reasons: [],
        });
        return;
      }
      sourced = { policy: result.policy };
    }
    const { policy, source } = sourced;
    const where = (offset?: number): SourceLocation | undefined => {
      if (offset !== undefined && source?.conditionLocation !== undefined)
        return source.conditionLocation(offset);
      if (source !== undefined && offset === undefined) return source;
      if (offset === undefined) return undefined;
      const before = policy.condition.slice(0, offset);
      const line = before.split('\n').length;
      return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
    };
    const pointer = `/${index}`;
    const previous = seen.get(policy.id);
    if (previous !== undefined) {
      diagnostics.push({
        code: 'POLICY_INVALID',
        message: `duplicate policy id '${policy.id}' (also policy #${previous})`,
        pointer: `${pointer}/id`,
        policyId: policy.id,
        ...withLocation(where()),
      });
    } else {
      seen.set(policy.id, index);
    }
    const parsed = parseCondition(policy.condition);
    const result = parsed.ok ? checkCondition(parsed.ast, vocabulary) : parsed;
    if (!result.ok) {
      const d = result.diagnostic;
      diagnostics.push({
        code: d.code,
        message: `${policy.id}: ${d.message}`,
        pointer: `${pointer}/condition`,
        policyId: policy.id,
        ...withLocation(where(d.offset)),
      });
      entries.push({ id: policy.id, version: policy.version, ok: false, verifiable: false, reasons: [] });
      return;
    }
    const subset = analyzeSubset(result.checked);
    entries.push({
      id: policy.id,
      version: policy.version,
      ok: previous === undefined,
      verifiable: subset.verifiable,
      reasons: subset.reasons,
    });
    if (previous === undefined) {
      checkedPolicies.push({
        policy,
        checked: result.checked,
        subset,
        ...(source === undefined ? {} : { source }),
      });
    }
  });
  return { ok: diagnostics.length === 0, diagnostics, policies: entries, checked: checkedPolicies };
}

function withLocation(location: SourceLocation | undefined): { location?: SourceLocation } {
  return location === undefined ? {} : { location };
}
