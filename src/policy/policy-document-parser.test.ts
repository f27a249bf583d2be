import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPolicies } from './policy-checker.js';
import { parsePolicyDocument } from './policy-document-parser.js';
import { validatePolicyObject } from './policy-model.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  attributes: { 'action.amount': 'double', 'context.pii': 'bool', 'resource.external': 'bool' },
});

/** Checks a document and returns `line:column code` for each diagnostic. */
function positions(text: string): string[] {
  const doc = parsePolicyDocument(text, { file: 'p.yaml' });
  const report = checkPolicies(doc.policies, vocabulary);
  return [...doc.diagnostics, ...report.diagnostics].map(
    (d) => `${d.location?.line}:${d.location?.column} ${d.code}`,
  );
}

describe('policy documents', () => {
  it('accepts a single policy, a list, { policies }, several YAML documents and JSON', () => {
    const one = 'id: a\ntarget: { actions: [x] }\ncondition: "true"\neffect: allow\n';
    assert.equal(parsePolicyDocument(one).policies.length, 1);
    assert.equal(parsePolicyDocument(`- ${one.replace(/\n(?=.)/g, '\n  ')}`).policies.length, 1);
    assert.equal(
      parsePolicyDocument(`policies:\n  - ${one.replace(/\n(?=.)/g, '\n    ')}`).policies.length,
      1,
    );
    assert.equal(parsePolicyDocument(`${one}---\n${one.replace('id: a', 'id: b')}`).policies.length, 2);
    const json = JSON.stringify({
      policies: [{ id: 'j', target: { actions: ['x'] }, condition: 'true', effect: 'deny' }],
    });
    const parsed = parsePolicyDocument(json, { file: 'p.json' });
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(parsed.policies[0]!.policy.effect, 'deny');
    assert.equal(parsed.policies[0]!.policy.version, 1);
    assert.deepEqual(parsed.policies[0]!.policy.obligations, []);
    assert.deepEqual(parsePolicyDocument('').policies, []);
  });

  it('maps condition errors to file positions for plain, quoted and block scalars', () => {
    // plain scalar: the bad operand sits at column 28
    assert.deepEqual(
      positions('id: a\ntarget: { actions: [x] }\ncondition: action.amount > "x"\neffect: deny\n'),
      ['3:26 POLICY_TYPE_ERROR'],
    );
    // double-quoted scalar: offset shifted by the quote
    assert.deepEqual(
      positions('id: a\ntarget: { actions: [x] }\ncondition: "context.nope"\neffect: deny\n'),
      ['3:20 POLICY_TYPE_ERROR'],
    );
    // literal block scalar: second line of the condition
    assert.deepEqual(
      positions(
        'id: a\ntarget: { actions: [x] }\ncondition: |\n  context.pii &&\n    resource.nope\neffect: deny\n',
      ),
      ['5:13 POLICY_TYPE_ERROR'],
    );
    // parse error position
    assert.deepEqual(
      positions('id: a\ntarget: { actions: [x] }\ncondition: context.pii &&\neffect: deny\n'),
      ['3:24 POLICY_PARSE_ERROR'],
    );
  });

  it('refuses an obligation nested deeper than 64 levels (JSON.stringify of 5,000 levels was a 500)', () => {
    const nested = (levels: number) => {
      let value: unknown = 1;
      for (let i = 1; i < levels; i++) value = [value];
      return { type: 'notify', data: value };
    };
    const policy = (obligation: unknown) => ({
      id: 'deep',
      target: { actions: ['x'] },
      condition: 'true',
      effect: 'allow',
      obligations: ['log', obligation],
    });
    assert.deepEqual(validatePolicyObject(policy(nested(63))).errors, []);
    assert.deepEqual(validatePolicyObject(policy(nested(5000))).errors, [
      { pointer: '/obligations/1', message: 'an obligation nests at most 64 arrays or objects deep' },
    ]);
  });

  it('places structural errors on the offending field', () => {
    const text = [
      'policies:',
      '  - id: a',
      '    target: { actions: [] }',
      '    condition: "true"',
      '    effect: permit',
      '    colour: red',
      '  - id: "bad id!"',
      '    target: { actions: [x] }',
      '    condition: "true"',
      '    effect: deny',
      '    priority: high',
    ].join('\n');
    const doc = parsePolicyDocument(text, { file: 'p.yaml' });
    const found = doc.diagnostics.map(
      (d) => `${d.location?.line}:${d.location?.column} ${d.pointer} ${d.message}`,
    );
    assert.deepEqual(found, [
      "6:13 /policies/0/colour unknown field 'colour'",
      "3:24 /policies/0/target/actions target.actions must be a non-empty list of action types ('*' for all)",
      '5:13 /policies/0/effect effect must be one of allow, deny, review',
      "7:9 /policies/1/id id is required: 1-128 characters of letters, digits, '_', '.', ':', '-'",
      '11:15 /policies/1/priority priority must be an integer',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const bad = parsePolicyDocument('id: a\nid: b\n', { file: 'dup.yaml' });
    assert.equal(bad.diagnostics[0]!.code, 'POLICY_PARSE_ERROR');
    assert.equal(bad.diagnostics[0]!.location?.line, 2);
    const unclosed = parsePolicyDocument('- id: a\n  target: { actions: [x]\n', { file: 'u.yaml' });
    assert.equal(unclosed.diagnostics[0]!.code, 'POLICY_PARSE_ERROR');
    assert.ok(unclosed.diagnostics[0]!.location!.line >= 2);
    const scalar = parsePolicyDocument('just text', { file: 's.yaml' });
    assert.equal(scalar.diagnostics[0]!.code, 'POLICY_INVALID');
  });
});
