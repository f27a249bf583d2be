/**
 * The builtin synthesizer's third stage: rules the invariants do not state but the scenarios
 * show (a payment by a low-trust agent is refused, an email to many outside recipients is
 * refused). For a scenario that the set decides too permissively, it looks for one predicate on
 * the request — a flag that is set, a number beyond every permitted example, a missing
 * attribute — that holds for this scenario and for no scenario of the same action that expects
 * a more permissive decision, and emits a policy with the scenario's expected effect on that predicate for that kind
 * of principal. A decision stump, not a copy of the scenario: it generalises along one attribute.
 */
import { formatType, type Policy, type Vocabulary } from '../../../policy/index.js';
import type { ScenarioExample } from './invariant-policies.js';
import { principalCondition } from './scenario-grants.js';

const RANK = { allow: 1, review: 2, deny: 3 } as const;

type Leaf = { readonly path: string; readonly value: unknown };

const SKIPPED = new Set(['action.type', 'principal.id', 'principal.type', 'principal.roles', 'resource.id']);

function leaves(value: unknown, prefix = ''): Leaf[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path: prefix, value }];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix === '' ? k : `${prefix}.${k}`));
}

function valueAt(request: unknown, path: string): unknown {
  let current: unknown = request;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

interface Candidate {
  readonly condition: string;
  readonly holds: (request: unknown) => boolean;
}

function numberLiteral(n: number, type: string): string {
  return type === 'double' && Number.isInteger(n) ? `${n}.0` : String(n);
}

function candidatesFor(leaf: Leaf, allowed: readonly ScenarioExample[], vocabulary: Vocabulary): Candidate[] {
  const decl = vocabulary.attributes.get(leaf.path);
  if (decl === undefined || SKIPPED.has(leaf.path)) return [];
  const type = formatType(decl.type);
  const { path, value } = leaf;
  const out: Candidate[] = [];
  if (typeof value === 'boolean') {
    out.push({
      condition: value ? `has(${path}) && ${path}` : `has(${path}) && !${path}`,
      holds: (r) => valueAt(r, path) === value,
    });
  }
  const measure = (v: unknown) => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : undefined);
  const mine = measure(value);
  if (mine !== undefined && (type === 'int' || type === 'double' || type.startsWith('list'))) {
    const seen = allowed
      .map((ex) => measure(valueAt(ex.request, path)))
      .filter((v): v is number => v !== undefined);
    const expr = type.startsWith('list') ? `size(${path})` : path;
    const litType = type.startsWith('list') ? 'int' : type;
    const below = seen.filter((v) => v < mine);
    const above = seen.filter((v) => v > mine);
    if (below.length > 0) {
      const bound = Math.max(...below);
      out.push({
        condition: `has(${path}) && ${expr} > ${numberLiteral(bound, litType)}`,
        holds: (r) => (measure(valueAt(r, path)) ?? Number.NEGATIVE_INFINITY) > bound,
      });
    }
    if (above.length > 0) {
      const bound = Math.min(...above);
      out.push({
        condition: `has(${path}) && ${expr} < ${numberLiteral(bound, litType)}`,
        holds: (r) => (measure(valueAt(r, path)) ?? Number.POSITIVE_INFINITY) < bound,
      });
    }
  }
  return out;
}

function missingCandidates(example: ScenarioExample, allowed: readonly ScenarioExample[]): Candidate[] {
  if (allowed.length === 0) return [];
  const paths = new Set(allowed.flatMap((ex) => leaves(ex.request).map((l) => l.path)));
  return [...paths]
    .filter((p) => !SKIPPED.has(p) && allowed.every((ex) => valueAt(ex.request, p) !== undefined))
    .filter((p) => valueAt(example.request, p) === undefined)
    .map((p) => ({ condition: `!has(${p})`, holds: (r: unknown) => valueAt(r, p) === undefined }));
}

/**
 * A policy giving `example` its expected effect through one predicate that no scenario of the same
 * action expecting a more permissive decision satisfies; undefined when there is none.
 */
export function stumpFor(
  example: ScenarioExample,
  examples: readonly ScenarioExample[],
  vocabulary: Vocabulary,
): Policy | undefined {
  if (example.expected === 'allow') return undefined;
  const action = valueAt(example.request, 'action.type');
  const principal = example.request.principal as { type?: unknown; roles?: unknown } | undefined;
  if (typeof action !== 'string' || typeof principal?.type !== 'string' || !Array.isArray(principal.roles))
    return undefined;
  // The contrast set: scenarios of the same action that expect a more permissive decision.
  const allowed = examples.filter(
    (ex) => RANK[ex.expected] < RANK[example.expected] && valueAt(ex.request, 'action.type') === action,
  );
  const candidates = [
    ...leaves(example.request).flatMap((leaf) => candidatesFor(leaf, allowed, vocabulary)),
    ...missingCandidates(example, allowed),
  ];
  const own = candidates.filter((c) => c.holds(example.request));
  const separates = (c: Candidate) => allowed.every((ex) => !c.holds(ex.request));
  // One predicate if one separates, else the first pair that does (the most that a stump combines).
  const pairs = own.flatMap((a, i) =>
    own.slice(i + 1).map((b) => ({
      condition: `${a.condition} && ${b.condition}`,
      holds: (r: unknown) => a.holds(r) && b.holds(r),
    })),
  );
  const chosen = own.find(separates) ?? pairs.find(separates);
  if (chosen === undefined) return undefined;
  const who = principalCondition([{ type: principal.type, roles: principal.roles as string[] }]);
  return {
    id: `synth.${example.expected}.${example.id.replace(/[^A-Za-z0-9_.:-]/g, '.')}`,
    version: 1,
    description: `${example.expected === 'deny' ? 'Refuses' : 'Sends to review'} ${action} when ${chosen.condition} (learned from scenario ${example.id})`,
    principles: [],
    target: { actions: [action] },
    condition: `${who} && ${chosen.condition}`,
    effect: example.expected,
    priority: example.expected === 'deny' ? 90 : 40,
    obligations: [],
  };
}
