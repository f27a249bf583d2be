/**
 * The difference between two constitution documents, principle by principle (added, removed,
 * and for changed ones each field with its value before and after), plus the vocabulary, the
 * default decision, the council rules and the scenario suites. Pure.
 */
import { canonicalJson } from '../../kernel/canonical-json.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import type { ConstitutionDocument, Principle } from '../../kernel/contracts/constitution.js';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** For a principle whose invariants changed: which, by id. */
export interface InvariantChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Invariants whose `when`, `forbid` or `reason` changed. */
  readonly changed: readonly string[];
}

export interface ConstitutionDiff {
  readonly identical: boolean;
  readonly principles: {
    readonly added: readonly Principle[];
    readonly removed: readonly Principle[];
    readonly changed: readonly {
      readonly id: string;
      readonly changes: readonly FieldChange[];
      readonly invariants?: InvariantChanges;
    }[];
  };
  readonly vocabulary: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly {
      readonly attribute: string;
      readonly before: unknown;
      readonly after: unknown;
    }[];
  };
  /** Top-level fields other than principles and vocabulary (name, description, defaultDecision, councilRules.<kind>). */
  readonly settings: readonly FieldChange[];
  readonly scenarioSuites: {
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly changed: readonly {
      readonly id: string;
      readonly beforeHash: string;
      readonly afterHash: string;
    }[];
  };
}

const PRINCIPLE_FIELDS = [
  'title',
  'text',
  'category',
  'priority',
  'mandatory',
  'rationale',
  'keywords',
  'invariants',
] as const satisfies readonly (keyof Principle)[];

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export function diffConstitutions(
  before: ConstitutionDocument,
  after: ConstitutionDocument,
): ConstitutionDiff {
  const beforeP = new Map(before.principles.map((p) => [p.id, p]));
  const afterP = new Map(after.principles.map((p) => [p.id, p]));
  const principles = {
    added: after.principles.filter((p) => !beforeP.has(p.id)),
    removed: before.principles.filter((p) => !afterP.has(p.id)),
    changed: after.principles.flatMap((p) => {
      const old = beforeP.get(p.id);
      if (old === undefined) return [];
      const changes = PRINCIPLE_FIELDS.filter((f) => !same(old[f], p[f])).map((f) => ({
        field: f,
        before: old[f],
        after: p[f],
      }));
      if (changes.length === 0) return [];
      const invariants = changes.some((c) => c.field === 'invariants') ? invariantChanges(old, p) : undefined;
      return [{ id: p.id, changes, ...(invariants === undefined ? {} : { invariants }) }];
    }),
  };

  const va = before.vocabulary.attributes;
  const vb = after.vocabulary.attributes;
  const vocabulary = {
    added: Object.keys(vb)
      .filter((k) => !(k in va))
      .sort(),
    removed: Object.keys(va)
      .filter((k) => !(k in vb))
      .sort(),
    changed: Object.keys(vb)
      .filter((k) => k in va && !same(va[k], vb[k]))
      .sort()
      .map((k) => ({ attribute: k, before: va[k], after: vb[k] })),
  };

  const settings: FieldChange[] = [];
  for (const field of ['name', 'description', 'defaultDecision'] as const) {
    if (!same(before[field], after[field]))
      settings.push({ field, before: before[field], after: after[field] });
  }
  const kinds = [
    ...new Set([...Object.keys(before.councilRules), ...Object.keys(after.councilRules)]),
  ].sort();
  for (const kind of kinds) {
    const a = (before.councilRules as Record<string, unknown>)[kind];
    const b = (after.councilRules as Record<string, unknown>)[kind];
    if (!same(a, b)) settings.push({ field: `councilRules.${kind}`, before: a, after: b });
  }

  const sa = new Map(before.scenarioSuites.map((s) => [s.id, constitutionalHashOf(s).hash]));
  const sb = new Map(after.scenarioSuites.map((s) => [s.id, constitutionalHashOf(s).hash]));
  const scenarioSuites = {
    added: [...sb.keys()].filter((id) => !sa.has(id)),
    removed: [...sa.keys()].filter((id) => !sb.has(id)),
    changed: [...sb].flatMap(([id, afterHash]) => {
      const beforeHash = sa.get(id);
      return beforeHash === undefined || beforeHash === afterHash ? [] : [{ id, beforeHash, afterHash }];
    }),
  };

  const identical =
    principles.added.length + principles.removed.length + principles.changed.length === 0 &&
    vocabulary.added.length + vocabulary.removed.length + vocabulary.changed.length === 0 &&
    settings.length === 0 &&
    scenarioSuites.added.length + scenarioSuites.removed.length + scenarioSuites.changed.length === 0 &&
    same(
      before.principles.map((p) => p.id),
      after.principles.map((p) => p.id),
    ) &&
    same(
      before.scenarioSuites.map((s) => s.id),
      after.scenarioSuites.map((s) => s.id),
    );
  return { identical, principles, vocabulary, settings, scenarioSuites };
}

function invariantChanges(before: Principle, after: Principle): InvariantChanges {
  const a = new Map(before.invariants.map((inv) => [inv.id, inv]));
  const b = new Map(after.invariants.map((inv) => [inv.id, inv]));
  return {
    added: [...b.keys()].filter((id) => !a.has(id)),
    removed: [...a.keys()].filter((id) => !b.has(id)),
    changed: [...b].filter(([id, inv]) => a.has(id) && !same(a.get(id), inv)).map(([id]) => id),
  };
}
