/**
 * Done-when 1 and 3: the hash is the same under any key order and whitespace, changes with any
 * semantic change, and survives YAML export → import.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { EXAMPLE_FILE } from '../../../test/support/constitution-fixture.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import { constitutionToYaml, parseConstitutionText } from './constitution-text.js';
import { validateConstitution } from './constitution-validator.js';

const text = readFileSync(EXAMPLE_FILE, 'utf8');
const reference = parseConstitutionText(text);
if (!reference.ok) throw new Error('example constitution does not validate');
const referenceHash = constitutionalHashOf(reference.document).hash;
const raw = reference.value as Record<string, unknown>;
const RUNS = Number(process.env.ACGS_FUZZ_RUNS ?? 20);

/** Rebuilds every object with its keys in an order picked by `pick`. */
function reorder(value: unknown, pick: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorder(item, pick));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = pick() % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((k) => [k, reorder((value as Record<string, unknown>)[k], pick)]));
}

function hashOfText(source: string): string {
  const parsed = parseConstitutionText(source);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors.slice(0, 3)));
  return constitutionalHashOf(parsed.document).hash;
}

describe('the constitutional hash', () => {
  it('is the same under any key order and whitespace, in JSON and in YAML', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(1000), { minLength: 50, maxLength: 50 }),
        fc.constantFrom(0, 1, 2, 4, '\t'),
        fc.boolean(),
        (seeds, indent, asYaml) => {
          let i = 0;
          const shuffled = reorder(raw, () => seeds[i++ % seeds.length]! + i);
          const source = asYaml
            ? stringify(shuffled, {
                indent: typeof indent === 'number' && indent >= 2 ? indent : 2,
                lineWidth: 0,
              })
            : JSON.stringify(shuffled, null, indent);
          assert.equal(hashOfText(`\n\n${source}\n  \n`), referenceHash);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('is the same whether optional fields are left out or given their defaults', () => {
    const explicit = structuredClone(raw) as {
      defaultDecision?: string;
      principles: Record<string, unknown>[];
    };
    delete explicit.defaultDecision;
    for (const p of explicit.principles) if (p.mandatory === false) delete p.mandatory;
    const result = validateConstitution(explicit);
    assert.ok(result.ok);
    assert.equal(constitutionalHashOf(result.document).hash, referenceHash);
  });

  it('changes with any semantic change (or the change is refused)', () => {
    type Doc = {
      name: string;
      defaultDecision: string;
      principles: {
        priority: number;
        text: string;
        mandatory: boolean;
        keywords: string[];
        invariants: { when: string; forbid: string[]; reason: string }[];
      }[];
      vocabulary: { attributes: Record<string, unknown> };
      councilRules: Record<string, { quorum: number; timelockHours: number }>;
      scenarioSuites: { scenarios: { expected: string; request: { action: Record<string, unknown> } }[] }[];
    };
    const mutations: ((d: Doc, n: number, s: string) => void)[] = [
      (d, n) => {
        d.principles[n % d.principles.length]!.priority =
          (d.principles[n % d.principles.length]!.priority + 1 + (n % 7)) % 101;
      },
      (d, n, s) => {
        d.principles[n % d.principles.length]!.text += ` ${s}`;
      },
      (d, n) => {
        const p = d.principles[n % d.principles.length]!;
        p.mandatory = !p.mandatory;
      },
      (d, n, s) => {
        d.principles[n % d.principles.length]!.keywords.push(`kw-${s}`);
      },
      (d, n) => {
        const invariants = d.principles.flatMap((p) => p.invariants);
        const inv = invariants[n % invariants.length]!;
        inv.when = `(${inv.when}) && true`;
      },
      (d, n) => {
        const invariants = d.principles.flatMap((p) => p.invariants);
        const inv = invariants[n % invariants.length]!;
        inv.forbid =
          inv.forbid.length > 1
            ? inv.forbid.slice(1)
            : ['allow', 'deny'].filter((x) => x !== inv.forbid[0]).slice(0, 1);
      },
      (d, _n, s) => {
        d.vocabulary.attributes[`context.extra_${s.replace(/[^a-z]/gi, '') || 'x'}`] = 'string';
      },
      (d) => {
        d.defaultDecision = d.defaultDecision === 'deny' ? 'review' : 'deny';
      },
      (d, n) => {
        const rule = Object.values(d.councilRules)[n % 6]!;
        rule.timelockHours = rule.timelockHours + 1;
      },
      (d, n) => {
        const scenarios = d.scenarioSuites.flatMap((suite) => suite.scenarios);
        const sc = scenarios[n % scenarios.length]!;
        sc.expected = sc.expected === 'deny' ? 'review' : 'deny';
      },
      (d, _n, s) => {
        d.name = `${d.name}${s}`;
      },
    ];
    fc.assert(
      fc.property(
        fc.nat(mutations.length - 1),
        fc.nat(1000),
        fc.string({ minLength: 1, maxLength: 8 }),
        (which, n, s) => {
          const doc = structuredClone(reference.document) as unknown as Doc;
          mutations[which]!(doc, n, s);
          const result = validateConstitution(doc);
          if (result.ok) assert.notEqual(constitutionalHashOf(result.document).hash, referenceHash);
          else assert.ok(result.errors.length > 0);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('survives YAML export and import', () => {
    const yaml = constitutionToYaml(reference.document, `hash: ${referenceHash}`);
    assert.match(yaml, /^# hash: [0-9a-f]{64}\n/);
    const again = parseConstitutionText(yaml);
    assert.ok(again.ok);
    assert.equal(constitutionalHashOf(again.document).hash, referenceHash);
    assert.deepEqual(again.document, reference.document);
  });

  it('survives export and import of strings YAML would otherwise read as other types', () => {
    const doc = structuredClone(reference.document) as unknown as {
      description: string;
      principles: { rationale: string; keywords: string[] }[];
    };
    doc.description = 'yes';
    doc.principles[0]!.rationale = '0x1F';
    doc.principles[0]!.keywords = ['null', 'true', '1e3', '2026-11-30', '- dash', '#hash', "it's: quoted"];
    const validated = validateConstitution(doc);
    assert.ok(validated.ok);
    const again = parseConstitutionText(constitutionToYaml(validated.document));
    assert.ok(again.ok);
    assert.deepEqual(again.document, validated.document);
  });
});
