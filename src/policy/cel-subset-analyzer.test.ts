import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPolicies } from './policy-checker.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  attributes: {
    'principal.roles': 'list<string>',
    'principal.level': 'int',
    'principal.name': 'string',
    'action.amount': 'double',
    'resource.tags': 'map<string,string>',
    'context.pii': 'bool',
    'context.at': 'timestamp',
  },
});

function verdict(condition: string) {
  const report = checkPolicies(
    [{ id: 'p', target: { actions: ['x'] }, condition, effect: 'deny' }],
    vocabulary,
  );
  assert.equal(report.ok, true, report.diagnostics[0]?.message);
  return report.policies[0]!;
}

describe('verifiable subset', () => {
  for (const condition of [
    'context.pii && !(principal.level >= 3 || action.amount * 2.0 < 10.5)',
    "principal.name == 'bob' && principal.name.startsWith('b') && principal.name.endsWith('b') && principal.name.contains('o')",
    "principal.name in ['a', 'b'] && principal.level in [1, 2, 3]",
    'has(principal.level) && size(principal.roles) > 2',
    'principal.level + 1 - 2 * 3 / 4 % 5 == -principal.level',
    'action.amount > principal.level',
    'true',
    "'admin' in principal.roles",
    "principal.roles.exists(r, r == 'a') && principal.roles.all(r, r.startsWith('r'))",
    "has(resource.tags.env) && resource.tags.env == 'prod'",
    "'env' in resource.tags && resource.tags['env'] == 'prod'",
    "principal.name < 'm' && principal.name + 'x' == 'bx'",
    "context.at > timestamp('2024-01-01T00:00:00Z') && context.at != timestamp('2025-01-01T00:00:00Z')",
    '(context.pii ? 1 : 2) == 1',
    'principal.level in [1, principal.level] && principal.roles[0] == string(principal.level)',
    "['a', 'b'].exists(x, x == principal.name)",
  ]) {
    it(`inside: ${condition}`, () => {
      const v = verdict(condition);
      assert.equal(v.verifiable, true, v.reasons.join('; '));
      assert.deepEqual(v.reasons, []);
    });
  }
  for (const [condition, reason] of [
    ["principal.name.matches('^a')", "'matches' is outside the verifiable subset"],
    ['size(principal.name) > 2', "'size_string' is outside the verifiable subset"],
    ['size(resource.tags) > 2', "'size_map' is outside the verifiable subset"],
    ["principal.roles.exists_one(r, r == 'a')", 'comprehension macro other than all/exists'],
    ["principal.roles.filter(r, r == 'a').size() > 0", 'comprehension macro other than all/exists'],
    ["resource.tags.all(k, k == 'a')", 'all/exists over a map'],
    ["principal.roles == ['a']", "'eq_generic' is outside the verifiable subset"],
    ["{'a': 1}['a'] == principal.level", 'map literal'],
    ['principal.roles[principal.level] == "a"', 'list index that is not a literal'],
    ['resource.tags[principal.name] == "a"', 'map index that is not a literal'],
    ['principal.roles.exists(r, r in principal.roles)', 'list attribute elements read inside a loop body'],
    ['(context.pii ? principal.roles : principal.roles) == principal.roles', "'eq_generic'"],
    // Durations and time arithmetic have no SMT encoding: the verifier reports them unverifiable.
    ['duration(principal.name).getHours() == 1', "'duration_field' is outside the verifiable subset"],
    ["context.at - timestamp('2024-01-01T00:00:00Z') == duration('1h')", "'sub_timestamps'"],
    ["context.at + duration('1h') == context.at", "'add_timestamp_duration'"],
    ["duration('1h') + duration('1m') == duration('61m')", "'add_duration'"],
  ] as const) {
    it(`outside: ${condition}`, () => {
      const v = verdict(condition);
      assert.equal(v.verifiable, false);
      assert.ok(
        v.reasons.some((r) => r.startsWith(reason)),
        `${v.reasons.join('; ')} does not start with ${reason}`,
      );
    });
  }

  it('reports a policy that does not check as not ok and not verifiable', () => {
    const report = checkPolicies(
      [
        { id: 'good', target: { actions: ['x'] }, condition: 'context.pii', effect: 'deny' },
        { id: 'bad', target: { actions: ['x'] }, condition: 'context.pii +', effect: 'deny' },
        { id: 'good', target: { actions: ['x'] }, condition: 'true', effect: 'deny' },
      ],
      vocabulary,
    );
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.policies.map((p) => [p.id, p.ok, p.verifiable]),
      [
        ['good', true, true],
        ['bad', false, false],
        ['good', false, true],
      ],
    );
    assert.deepEqual(
      report.checked.map((c) => c.policy.id),
      ['good'],
    );
    assert.deepEqual(
      report.diagnostics.map((d) => d.code),
      ['POLICY_PARSE_ERROR', 'POLICY_INVALID'],
    );
  });
});
