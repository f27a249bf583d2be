/**
 * Validates a constitution document as one whole: structure (the published JSON Schema), unique
 * ids, the vocabulary, every invariant's `when` type-checked against that vocabulary, every
 * scenario request validated against it, and every scenario's expected decision checked against
 * the invariants. Every problem names its field (JSON pointer) and, for documents read from
 * text, the line and column. Returns the normalized document, whose hash is the version's hash.
 */
import AjvModule, { type ErrorObject } from 'ajv';
import type {
  ConstitutionDecision,
  ConstitutionDocument,
  CouncilRule,
  Principle,
  ProposalKind,
  ScenarioSuite,
  VocabularyAttribute,
} from '../../kernel/contracts/constitution.js';
import type { FieldError, SourceLocation } from '../../kernel/errors.js';
import {
  checkPolicies,
  compileInvariants,
  compileRequestValidator,
  formatType,
  type InvariantSet,
  type InvariantSpec,
  invariantAsPolicy,
  parseVocabulary,
  policyErrors,
  type SourcedPolicy,
  type Vocabulary,
} from '../../policy/index.js';
import { type ConstitutionDocumentInput, ConstitutionDocumentSchema } from './constitution-schema.js';

/** Maps JSON pointers (and offsets inside string values) of a document to its source text. */
export interface SourceMap {
  at(pointer: string): SourceLocation | undefined;
  /** Position of `offset` inside the string value at `pointer` (for CEL errors). */
  inString(pointer: string, offset: number): SourceLocation | undefined;
}

export interface ValidatedConstitution {
  readonly document: ConstitutionDocument;
  readonly vocabulary: Vocabulary;
  readonly invariants: InvariantSet;
}

export type ValidationResult =
  | ({ readonly ok: true } & ValidatedConstitution)
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const Ajv = AjvModule.default ?? AjvModule;

/** Totals across the whole document (each invariant is compiled, each scenario checked against all). */
export const LIMITS = { invariants: 1000, scenarios: 10_000 } as const;
const structural = new Ajv({ allErrors: true, strict: false }).compile(ConstitutionDocumentSchema);

/** Validates a document object (as parsed from YAML or JSON). */
export function validateConstitution(input: unknown, sourceMap?: SourceMap): ValidationResult {
  const errors: FieldError[] = [];
  const fail = (pointer: string, detail: string, location = sourceMap?.at(pointer)) =>
    errors.push(location === undefined ? { pointer, detail } : { pointer, detail, location });

  const vocabularyErrors = (vocabularyInput: unknown): Vocabulary | undefined => {
    try {
      return parseVocabulary(vocabularyInput);
    } catch (error) {
      if (!policyErrors.is(error, 'VOCABULARY_INVALID')) throw error;
      for (const e of error.errors ?? []) fail(`/vocabulary${e.pointer}`, e.detail);
      return undefined;
    }
  };
  if (!structural(input)) {
    // Attribute declarations are reported by the vocabulary parser, which says precisely what is wrong.
    const inAttribute = (e: ErrorObject) => e.instancePath.startsWith('/vocabulary/attributes/');
    const schemaErrors = (structural.errors ?? []).filter((e) => !inAttribute(e));
    if (schemaErrors.length > 0) {
      for (const e of schemaErrors) {
        const { pointer, detail } = describeSchemaError(e);
        fail(pointer, detail);
      }
      const vocabulary = (input as { vocabulary?: { attributes?: unknown } }).vocabulary;
      if ((structural.errors ?? []).some(inAttribute)) vocabularyErrors(vocabulary);
      return { ok: false, errors: dedupe(errors) };
    }
  }
  const doc = input as ConstitutionDocumentInput;
  const vocabulary = vocabularyErrors(doc.vocabulary);

  const invariantCount = doc.principles.reduce((n, p) => n + (p.invariants?.length ?? 0), 0);
  if (invariantCount > LIMITS.invariants)
    fail(
      '/principles',
      `the constitution has ${invariantCount} invariants; the limit is ${LIMITS.invariants}`,
    );
  const scenarioCount = (doc.scenarioSuites ?? []).reduce((n, s) => n + s.scenarios.length, 0);
  if (scenarioCount > LIMITS.scenarios)
    fail(
      '/scenarioSuites',
      `the constitution has ${scenarioCount} scenarios; the limit is ${LIMITS.scenarios}`,
    );
  if (errors.length > 0) return { ok: false, errors };

  checkUnique(
    doc.principles.map((p, i) => ({ id: p.id, pointer: `/principles/${i}/id` })),
    'principle',
    fail,
  );
  const specOf = (r: (typeof invariantRefs)[number]): InvariantSpec => ({
    principleId: r.principle.id,
    id: r.invariant.id,
    when: r.invariant.when,
    forbid: r.invariant.forbid,
    reason: r.invariant.reason ?? '',
  });
  const invariantRefs = doc.principles.flatMap((p, i) =>
    (p.invariants ?? []).map((inv, j) => ({
      principle: p,
      invariant: inv,
      pointer: `/principles/${i}/invariants/${j}`,
    })),
  );
  checkUnique(
    invariantRefs.map((r) => ({ id: r.invariant.id, pointer: `${r.pointer}/id` })),
    'invariant',
    fail,
  );
  for (const r of invariantRefs) {
    if (r.invariant.forbid.length === 3)
      fail(
        `${r.pointer}/forbid`,
        `invariant '${r.invariant.id}' forbids every decision, so no request where it holds could be decided`,
      );
  }
  const suites = doc.scenarioSuites ?? [];
  checkUnique(
    suites.map((s, i) => ({ id: s.id, pointer: `/scenarioSuites/${i}/id` })),
    'scenario suite',
    fail,
  );
  suites.forEach((suite, i) => {
    checkUnique(
      suite.scenarios.map((s, j) => ({ id: s.id, pointer: `/scenarioSuites/${i}/scenarios/${j}/id` })),
      `scenario in suite '${suite.id}'`,
      fail,
    );
  });
  if (vocabulary === undefined) return { ok: false, errors };

  // Invariants are checked as deny policies targeting every action: the policy checker gives
  // exactly the language's type rules and positions inside the predicate.
  const sourced: SourcedPolicy[] = invariantRefs.map((r) => {
    const start = sourceMap?.at(`${r.pointer}/when`);
    return {
      policy: invariantAsPolicy(specOf(r)),
      ...(start === undefined || sourceMap === undefined
        ? {}
        : {
            source: {
              ...start,
              conditionLocation: (offset: number) => sourceMap.inString(`${r.pointer}/when`, offset) ?? start,
            },
          }),
    };
  });
  const report = checkPolicies(sourced, vocabulary);
  for (const d of report.diagnostics) {
    const index = Number(/^\/(\d+)/.exec(d.pointer)?.[1] ?? -1);
    const ref = invariantRefs[index];
    const pointer =
      ref === undefined
        ? '/principles'
        : `${ref.pointer}/${d.pointer.endsWith('/condition') ? 'when' : 'id'}`;
    const detail =
      ref !== undefined && d.message.startsWith(`${ref.invariant.id}: `)
        ? `${d.code}: ${d.message.slice(ref.invariant.id.length + 2)}`
        : `${d.code}: ${d.message}`;
    fail(pointer, detail, d.location ?? sourceMap?.at(pointer));
  }
  if (errors.length > 0) return { ok: false, errors };

  const invariants = compileInvariants(invariantRefs.map(specOf), vocabulary);
  const validate = compileRequestValidator(vocabulary);
  suites.forEach((suite, i) => {
    suite.scenarios.forEach((scenario, j) => {
      const base = `/scenarioSuites/${i}/scenarios/${j}`;
      const problems = validate(scenario.request);
      if (problems !== undefined) {
        for (const p of problems) fail(`${base}/request${p.pointer}`, p.detail);
        return;
      }
      const violated = invariants
        .applicable(scenario.request)
        .filter((a) => a.forbid.includes(scenario.expected));
      for (const a of violated) {
        fail(
          `${base}/expected`,
          `scenario '${scenario.id}' expects ${scenario.expected}, which invariant '${a.invariantId}' of principle '${a.principleId}' forbids${a.reason ? `: ${a.reason}` : ''}`,
        );
      }
    });
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, document: normalize(doc, vocabulary), vocabulary, invariants };
}

function normalize(doc: ConstitutionDocumentInput, vocabulary: Vocabulary): ConstitutionDocument {
  const attributes: Record<string, VocabularyAttribute> = {};
  for (const [path, decl] of vocabulary.attributes) {
    attributes[path] = {
      type: formatType(decl.type),
      required: decl.required,
      ...(decl.description === undefined ? {} : { description: decl.description }),
    };
  }
  const principles: Principle[] = doc.principles.map((p) => ({
    id: p.id,
    title: p.title,
    text: p.text,
    category: p.category,
    priority: p.priority,
    mandatory: p.mandatory ?? false,
    rationale: p.rationale ?? '',
    keywords: p.keywords ?? [],
    invariants: (p.invariants ?? []).map((inv) => ({
      id: inv.id,
      when: inv.when,
      forbid: [...inv.forbid].sort() as ConstitutionDecision[],
      reason: inv.reason ?? '',
    })),
  }));
  const suites: ScenarioSuite[] = (doc.scenarioSuites ?? []).map((s) => ({
    id: s.id,
    title: s.title,
    description: s.description ?? '',
    scenarios: s.scenarios.map((sc) => ({
      id: sc.id,
      description: sc.description ?? '',
      request: sc.request,
      expected: sc.expected,
      tags: sc.tags ?? [],
    })),
  }));
  return {
    name: doc.name,
    description: doc.description ?? '',
    defaultDecision: doc.defaultDecision ?? 'deny',
    vocabulary: { attributes },
    principles,
    councilRules: doc.councilRules as Record<ProposalKind, CouncilRule>,
    scenarioSuites: suites,
  };
}

function checkUnique(
  items: readonly { id: string; pointer: string }[],
  what: string,
  fail: (pointer: string, detail: string) => void,
): void {
  const seen = new Map<string, string>();
  for (const item of items) {
    const first = seen.get(item.id);
    if (first === undefined) seen.set(item.id, item.pointer);
    else fail(item.pointer, `duplicate ${what} id '${item.id}' (first at ${first})`);
  }
}

function describeSchemaError(e: ErrorObject): { pointer: string; detail: string } {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required')
    return {
      pointer: `${e.instancePath}/${escapePointer(String(params.missingProperty))}`,
      detail: 'is required',
    };
  if (e.keyword === 'additionalProperties')
    return {
      pointer: `${e.instancePath}/${escapePointer(String(params.additionalProperty))}`,
      detail: `unknown field '${String(params.additionalProperty)}'`,
    };
  if (e.keyword === 'enum' || e.keyword === 'const' || e.keyword === 'anyOf') {
    return { pointer: e.instancePath, detail: anyOfDetail(e.instancePath) };
  }
  return { pointer: e.instancePath, detail: e.message ?? 'is not valid' };
}

function anyOfDetail(pointer: string): string {
  if (/\/(forbid\/\d+|expected|defaultDecision)$/.test(pointer)) return 'must be one of allow, deny, review';
  if (/\/threshold$/.test(pointer)) return 'must be one of simple, super, qualified, unanimous';
  if (/^\/vocabulary\/attributes\//.test(pointer))
    return 'must be a type string or { type, required?, description? }';
  return 'is not one of the allowed values';
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Ajv reports each failing anyOf branch and then the anyOf itself; keep one line per pointer and detail. */
function dedupe(errors: FieldError[]): FieldError[] {
  const anyOfPointers = new Set(
    errors
      .filter((e) => e.detail.startsWith('must be one of') || e.detail.startsWith('must be a type'))
      .map((e) => e.pointer),
  );
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (
      anyOfPointers.has(e.pointer) &&
      !(e.detail.startsWith('must be one of') || e.detail.startsWith('must be a type'))
    )
      return false;
    const key = `${e.pointer}\n${e.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
