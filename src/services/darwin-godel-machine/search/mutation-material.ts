/**
 * What the operators build from, collected once per run and never from the held-out split:
 * the conjuncts the constitution's invariants and the base set already use (the vocabulary's
 * sentences, so a new conjunct is one the constitution speaks of), their negations, a test of
 * each boolean attribute, the numbers each measure (an attribute or a list's size) is compared
 * with (in invariants, base policies and the training scenarios) and the cuts at those numbers,
 * and the action types in play. Each conjunct is compiled
 * once so the failure-guided operator can ask whether it holds on a training request.
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import {
  compilePolicySet,
  type Effect,
  type PolicyEngine,
  parseVocabulary,
  type Vocabulary,
} from '../../../policy/index.js';
import { compilePredicate, predicateHolds } from './cel-predicate.js';
import { conjunctsOf, conjunctText, numericComparisons, readsActionType } from './condition-edit.js';
import type { VariantPolicies } from './variant-policies.js';

export interface TrainingScenario {
  readonly key: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly expected: Effect;
}

export interface MutationMaterial {
  readonly vocabulary: Vocabulary;
  /** Conjunct texts that type-check on their own, sorted. */
  readonly atoms: readonly string[];
  /** Candidate numbers per attribute path, ascending. */
  readonly thresholds: ReadonlyMap<string, readonly number[]>;
  readonly actions: readonly string[];
  /** Training requests by scenario key (the held-out split is not here). */
  readonly training: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** The expected decision of each training scenario. */
  readonly expectations: ReadonlyMap<string, Effect>;
  /** Whether atom `index` holds on `request` (an evaluation error counts as not holding). */
  holds(index: number, request: unknown): boolean;
  /**
   * The conjuncts (atom indices) of the invariants whose condition holds on `request`: the
   * constitution's own reasons for deciding it carefully.
   */
  reasons(request: unknown): ReadonlySet<number>;
  /** The decisions the invariants whose condition holds on `request` forbid. */
  forbids(request: unknown): ReadonlySet<Effect>;
  /** Compiles policies with the constitution's vocabulary and default decision (undefined if they do not check). */
  compile(policies: readonly unknown[]): PolicyEngine | undefined;
}

export function buildMutationMaterial(
  document: ConstitutionDocument,
  base: VariantPolicies,
  training: readonly TrainingScenario[],
): MutationMaterial {
  const vocabulary = parseVocabulary(document.vocabulary);
  const sources = [
    ...document.principles.flatMap((p) => p.invariants.map((i) => i.when)),
    ...base.map((p) => p.condition),
  ];
  const texts = new Set<string>();
  const numbers = new Map<string, Set<number>>();
  const actions = new Set<string>(base.flatMap((p) => p.target.actions.filter((a) => a !== '*')));
  const measures = new Map<string, boolean>();
  for (const source of sources) {
    for (const node of conjunctsOf(source) ?? []) {
      for (const c of numericComparisons(node)) {
        addNumber(numbers, c.path, c.value);
        measures.set(c.path, c.literal.type === 'double');
      }
      for (const a of actionLiterals(conjunctText(node))) actions.add(a);
      if (readsActionType(node)) continue;
      const text = conjunctText(node);
      texts.add(text);
      texts.add(text.startsWith('!') ? text.slice(1) : `!(${text})`);
    }
  }
  for (const [path, decl] of vocabulary.attributes) {
    if (decl.type.kind !== 'bool') continue;
    texts.add(`(has(${path}) && ${path})`);
    texts.add(`!(has(${path}) && ${path})`);
  }
  for (const s of training) {
    collectNumbers(s.request, '', numbers);
    const type = (s.request.action as { type?: unknown } | undefined)?.type;
    if (typeof type === 'string') actions.add(type);
  }
  for (const text of cuts(measures, numbers)) {
    texts.add(text);
    texts.add(`!(${text})`);
  }
  const atoms: string[] = [];
  const engines: PolicyEngine[] = [];
  for (const text of [...texts].sort()) {
    // A negation the checker refuses (or a conjunct that needs its neighbours) is no material.
    const engine = compilePredicate(text, vocabulary);
    if (engine === undefined) continue;
    atoms.push(text);
    engines.push(engine);
  }
  const index = new Map(atoms.map((a, i) => [a, i]));
  const invariants = document.principles.flatMap((p) =>
    p.invariants.map((i) => ({
      when: compilePredicate(i.when, vocabulary),
      forbid: i.forbid,
      atoms: (conjunctsOf(i.when) ?? [])
        .map((n) => index.get(conjunctText(n)))
        .filter((x) => x !== undefined),
    })),
  );
  return {
    vocabulary,
    atoms,
    reasons(request) {
      const out = new Set<number>();
      for (const i of invariants)
        if (i.when !== undefined && predicateHolds(i.when, request)) for (const a of i.atoms) out.add(a);
      return out;
    },
    forbids(request) {
      const out = new Set<Effect>();
      for (const i of invariants)
        if (i.when !== undefined && predicateHolds(i.when, request)) for (const d of i.forbid) out.add(d);
      return out;
    },
    thresholds: new Map(
      [...numbers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, s]) => [p, [...s].sort((x, y) => x - y)]),
    ),
    actions: [...actions].sort(),
    training: new Map(training.map((s) => [s.key, s.request])),
    expectations: new Map(training.map((s) => [s.key, s.expected])),
    compile(policies) {
      try {
        return compilePolicySet(policies, vocabulary, { defaultDecision: document.defaultDecision });
      } catch {
        return undefined;
      }
    },
    holds: (index, request) => predicateHolds(engines[index]!, request),
  };
}

function addNumber(numbers: Map<string, Set<number>>, path: string, value: number): void {
  if (!Number.isFinite(value)) return;
  const set = numbers.get(path) ?? new Set<number>();
  numbers.set(path, set);
  set.add(value);
}

/**
 * `measure > number` for every measure the constitution or the base compares with a number and
 * every number seen with it: the cuts a new policy can draw where the training split shows a
 * boundary (refunds above 100, more than 8 recipients), in the literal type the sources use.
 */
function cuts(measures: ReadonlyMap<string, boolean>, numbers: ReadonlyMap<string, Set<number>>): string[] {
  const out: string[] = [];
  for (const [path, double] of measures)
    for (const value of numbers.get(path) ?? []) {
      if (!double && !Number.isInteger(value)) continue;
      const literal = double && Number.isInteger(value) ? `${value}.0` : String(value);
      const node = conjunctsOf(`${path} > ${literal}`)?.[0];
      if (node !== undefined) out.push(conjunctText(node));
    }
  return out;
}

function collectNumbers(value: unknown, path: string, numbers: Map<string, Set<number>>): void {
  if (typeof value === 'number') addNumber(numbers, path, value);
  else if (Array.isArray(value)) addNumber(numbers, `size(${path})`, value.length);
  else if (typeof value === 'object' && value !== null && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) collectNumbers(v, path === '' ? k : `${path}.${k}`, numbers);
}

function actionLiterals(text: string): string[] {
  if (!text.includes('action.type')) return [];
  return [...text.matchAll(/["']([a-z_][a-z0-9_]*)["']/g)].map((m) => m[1]!);
}
