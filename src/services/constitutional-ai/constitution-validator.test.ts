import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleDocument } from '../../../test/support/constitution-fixture.js';
import { parseConstitutionText } from './constitution-text.js';
import { validateConstitution } from './constitution-validator.js';

const SMALL = `name: Small
vocabulary:
  attributes:
    principal.id: { type: string, required: true }
    action.amount: double
    context.contains_pii: bool
    resource.external: bool
principles:
  - id: privacy
    title: Privacy
    text: No personal data leaves.
    category: privacy
    priority: 90
    invariants:
      - id: privacy.no-external-pii
        when: resource.external && context.contains_pii
        forbid: [allow]
councilRules:
  amend-constitution: { quorum: 0.5, threshold: super, votingWindowHours: 24, timelockHours: 0 }
  activate-policies: { quorum: 0.5, threshold: simple, votingWindowHours: 24, timelockHours: 0 }
  activate-narrowing-policies: { quorum: 0.5, threshold: simple, votingWindowHours: 24, timelockHours: 0 }
  retire-policy: { quorum: 0.5, threshold: simple, votingWindowHours: 24, timelockHours: 0 }
  adopt-variant: { quorum: 0.5, threshold: simple, votingWindowHours: 24, timelockHours: 0 }
  change-council: { quorum: 0.5, threshold: super, votingWindowHours: 24, timelockHours: 0 }
scenarioSuites:
  - id: basics
    title: Basics
    scenarios:
      - id: leak
        request:
          principal: { id: a }
          action: { type: send_email }
          resource: { external: true }
          context: { contains_pii: true }
        expected: deny
`;

function errorsOf(text: string) {
  const result = parseConstitutionText(text, { file: 'c.yaml' });
  assert.equal(result.ok, false, 'expected the constitution to be rejected');
  return result.ok ? [] : result.errors;
}

describe('constitution validation', () => {
  it('accepts a small constitution and fills in the defaults', () => {
    const result = parseConstitutionText(SMALL);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.document.defaultDecision, 'deny');
    assert.equal(result.document.principles[0]!.mandatory, false);
    assert.deepEqual(result.document.principles[0]!.keywords, []);
    assert.equal(result.document.principles[0]!.invariants[0]!.reason, '');
    // action.type is always declared; types are in canonical spelling.
    assert.equal(result.document.vocabulary.attributes['action.type']?.required, true);
    assert.equal(result.document.scenarioSuites[0]!.scenarios[0]!.description, '');
  });

  it('type-checks invariants against the vocabulary, naming the field and the position in the predicate', () => {
    const errors = errorsOf(
      SMALL.replace(
        'when: resource.external && context.contains_pii',
        'when: resource.external && context.has_pii',
      ),
    );
    assert.equal(errors.length, 1);
    const [error] = errors;
    assert.equal(error!.pointer, '/principles/0/invariants/0/when');
    assert.match(error!.detail, /POLICY_TYPE_ERROR: .*unknown attribute 'context\.has_pii'/);
    // line 16: `        when: resource.external && context.has_pii`; the selection `.has_pii` is at column 43.
    assert.deepEqual(error!.location, { file: 'c.yaml', line: 16, column: 43 });
  });

  it('rejects a predicate that is not boolean and a syntax error, each at its invariant', () => {
    const notBool = errorsOf(
      SMALL.replace('when: resource.external && context.contains_pii', 'when: action.amount + 1.0'),
    );
    assert.equal(notBool[0]!.pointer, '/principles/0/invariants/0/when');
    assert.match(notBool[0]!.detail, /bool/);
    const syntax = errorsOf(
      SMALL.replace('when: resource.external && context.contains_pii', "when: 'resource.external &&'"),
    );
    assert.equal(syntax[0]!.pointer, '/principles/0/invariants/0/when');
    assert.match(syntax[0]!.detail, /POLICY_PARSE_ERROR/);
    assert.equal(syntax[0]!.location?.line, 16);
  });

  it('validates scenario requests against the vocabulary, with the failing attribute and its line', () => {
    const errors = errorsOf(
      SMALL.replace('context: { contains_pii: true }', 'context: { contains_pii: "yes", mood: happy }'),
    );
    const pointers = errors.map((e) => e.pointer).sort();
    assert.deepEqual(pointers, [
      '/scenarioSuites/0/scenarios/0/request/context/contains_pii',
      '/scenarioSuites/0/scenarios/0/request/context/mood',
    ]);
    assert.ok(
      errors.every((e) => e.location?.line === 34),
      JSON.stringify(errors),
    );
    assert.match(errors.find((e) => e.pointer.endsWith('mood'))!.detail, /unknown attribute 'context\.mood'/);
  });

  it('refuses a scenario whose expected decision an invariant forbids', () => {
    const errors = errorsOf(SMALL.replace('expected: deny', 'expected: allow'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.pointer, '/scenarioSuites/0/scenarios/0/expected');
    assert.match(
      errors[0]!.detail,
      /expects allow, which invariant 'privacy\.no-external-pii' of principle 'privacy' forbids/,
    );
    assert.equal(errors[0]!.location?.line, 35);
  });

  it('reports vocabulary errors at the attribute, and structure errors at the field', () => {
    const vocab = errorsOf(SMALL.replace('action.amount: double', 'action.amount: decimal'));
    assert.equal(vocab[0]!.pointer, '/vocabulary/attributes/action.amount/type');
    assert.equal(vocab[0]!.location?.line, 5);
    const structure = errorsOf(
      SMALL.replace('    priority: 90\n', '    priority: high\n')
        .replace('forbid: [allow]', 'forbid: [allow, permit]')
        .replace('title: Privacy\n', 'title: Privacy\n    colour: blue\n'),
    );
    const byPointer = new Map(structure.map((e) => [e.pointer, e]));
    assert.match(byPointer.get('/principles/0/priority')!.detail, /number/);
    assert.match(byPointer.get('/principles/0/invariants/0/forbid/1')!.detail, /one of allow, deny, review/);
    assert.match(byPointer.get('/principles/0/colour')!.detail, /unknown field 'colour'/);
    assert.ok(structure.every((e) => e.location !== undefined));
  });

  it("reports a bad attribute declaration with the vocabulary parser's precise message", () => {
    const typo = errorsOf(
      SMALL.replace('action.amount: double', 'action.amount: { type: double, requird: true }'),
    );
    assert.deepEqual(
      typo.map((e) => [e.pointer, e.detail, e.location?.line]),
      [['/vocabulary/attributes/action.amount/requird', "unknown field 'requird'", 5]],
    );
    const both = errorsOf(
      SMALL.replace('action.amount: double', 'action.amount: { type: double, requird: true }').replace(
        'name: Small\n',
        '',
      ),
    );
    assert.deepEqual(both.map((e) => e.pointer).sort(), [
      '/name',
      '/vocabulary/attributes/action.amount/requird',
    ]);
  });

  it('requires every council rule and refuses duplicate ids and an invariant that forbids everything', () => {
    const missing = errorsOf(SMALL.replace(/ {2}retire-policy:.*\n/, ''));
    assert.deepEqual(
      missing.map((e) => [e.pointer, e.detail]),
      [['/councilRules/retire-policy', 'is required']],
    );
    const doc = exampleDocument() as unknown as {
      principles: { id: string; invariants: { forbid: string[] }[] }[];
    };
    doc.principles[1]!.id = doc.principles[0]!.id;
    doc.principles[2]!.invariants[0]!.forbid = ['allow', 'deny', 'review'];
    const result = validateConstitution(doc);
    assert.equal(result.ok, false);
    const details = result.ok ? [] : result.errors.map((e) => `${e.pointer}: ${e.detail}`);
    assert.ok(
      details.some((d) => d.startsWith("/principles/1/id: duplicate principle id 'privacy'")),
      details.join('\n'),
    );
    assert.ok(
      details.some(
        (d) => d.startsWith('/principles/2/invariants/0/forbid: ') && d.includes('forbids every decision'),
      ),
    );
  });

  it('rejects YAML syntax errors with a position', () => {
    const errors = errorsOf('name: [unclosed\nvocabulary: {}\n');
    assert.equal(errors[0]!.pointer, '');
    assert.ok(errors[0]!.location !== undefined);
  });
});
