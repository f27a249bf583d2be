import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatType, parseTypeText } from './cel-types.js';
import { policyErrors } from './errors.js';
import { parseVocabularyDocument } from './policy-document-parser.js';
import { parseVocabulary } from './vocabulary-parser.js';

function errorsOf(input: unknown): string[] {
  try {
    parseVocabulary(input);
  } catch (e) {
    assert.ok(policyErrors.is(e, 'VOCABULARY_INVALID'));
    return (e.errors ?? []).map((f) => `${f.pointer}: ${f.detail}`);
  }
  return [];
}

describe('vocabulary', () => {
  it('builds records per namespace, with nested groups and action.type always present', () => {
    const v = parseVocabulary({
      attributes: {
        'principal.roles': { type: 'list<string>', required: true, description: 'roles' },
        'principal.attrs.team': 'string',
        'principal.attrs.level': { type: 'int', required: true },
        'context.tags': 'map<string, list<string>>',
      },
    });
    assert.equal(v.attributes.get('action.type')?.required, true);
    assert.equal(v.attributes.get('principal.roles')?.description, 'roles');
    const attrs = v.roots.principal.fields.get('attrs');
    assert.equal(attrs?.type.kind, 'record');
    assert.equal(attrs?.required, true, 'a group is required when one of its attributes is');
    assert.equal(formatType(v.roots.context.fields.get('tags')!.type), 'map<string,list<string>>');
    assert.deepEqual([...v.roots.resource.fields.keys()], []);
  });

  it('parses and rejects type texts', () => {
    assert.equal(formatType(parseTypeText('list< map<string,int> >') as never), 'list<map<string,int>>');
    for (const [text, message] of [
      ['float', /unknown type 'float'/],
      ['map<int,string>', /map keys must be string/],
      ['list<string', /expected '>'/],
      ['list<timestamp>', /timestamp is only allowed as a scalar/],
      ['list<list<list<list<string>>>>', /deeper than 3/],
      ['string>', /unexpected '>' after type/],
    ] as const) {
      const parsed = parseTypeText(text);
      assert.equal(typeof parsed, 'string', text);
      assert.match(parsed as string, message);
    }
  });

  it('lists every problem with a JSON pointer', () => {
    const errors = errorsOf({
      attributes: {
        'user.name': 'string',
        'principal.constructor': 'string',
        'principal.in': 'string',
        'action.amount': 'money',
        'action.type': 'int',
        'resource.owner': { type: 'string', required: 'yes', colour: 'red' },
        'context.a': 'string',
        'context.a.b': 'int',
        'context.x': {},
      },
    });
    const text = errors.join('\n');
    for (const expected of [
      "/attributes/user.name: attribute 'user.name' must start with one of principal, action, resource, context",
      "/attributes/principal.constructor: attribute 'principal.constructor': 'constructor' is not a valid or allowed field name",
      "/attributes/principal.in: attribute 'principal.in': 'in' is not a valid or allowed field name",
      "/attributes/action.amount/type: unknown type 'money' in type 'money'",
      '/attributes/action.type/type: action.type must be a string',
      '/attributes/resource.owner/required: required must be a boolean',
      "/attributes/resource.owner/colour: unknown field 'colour'",
      "/attributes/context.a: 'context.a' is declared as string and also has nested attributes",
      "/attributes/context.x: attribute 'context.x' needs a 'type' string",
    ]) {
      assert.ok(text.includes(expected), `missing: ${expected}\n${text}`);
    }
    assert.deepEqual(errorsOf(null), [
      '/attributes: vocabulary must be an object with an `attributes` object',
    ]);
  });

  it('gives vocabulary file errors a line and column', () => {
    const text = 'attributes:\n  action.amount: double\n  principal.level: { type: integr }\n';
    const { vocabulary, diagnostics } = parseVocabularyDocument(text, { file: 'vocabulary.yaml' });
    assert.equal(vocabulary, undefined);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.code, 'VOCABULARY_INVALID');
    assert.deepEqual(diagnostics[0]!.location, { file: 'vocabulary.yaml', line: 3, column: 28 });
    const broken = parseVocabularyDocument('attributes: [\n', { file: 'v.yaml' });
    assert.equal(broken.diagnostics[0]!.code, 'POLICY_PARSE_ERROR');
    assert.equal(broken.diagnostics[0]!.location?.file, 'v.yaml');
  });
});
