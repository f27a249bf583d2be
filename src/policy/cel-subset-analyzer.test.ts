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
  ]) {
    it(`inside: ${condition}`, () => {
      const v = verdict(condition);
      assert.equal(v.verifiable, true, v.reasons.join('; '));
      assert.deepEqual(v.reasons, []);
    });
  }
  for (const [condition, reason] of [
    ["'admin' in principal.roles", '`in` on a non-literal list: "admin" in principal.roles'],
    ["principal.roles.exists(r, r == 'a')", 'comprehension macro: principal.roles.exists(r, r == "a")'],
    ["resource.tags.env == 'prod'", 'field selection on a map: resource.tags.env'],
    ["resource.tags['env'] == 'prod'", "'index_map' is outside the verifiable subset"],
    ["principal.name < 'm'", 'ordering comparison on a non-number'],
    ["principal.name.matches('^a')", "'matches' is outside the verifiable subset"],
    ["context.at > timestamp('2024-01-01T00:00:00Z')", 'ordering comparison on a non-number'],
    ["context.at == timestamp('2024-01-01T00:00:00Z')", 'timestamp comparison'],
    ['principal.level in [1, principal.level]', '`in` list with non-literal elements'],
    ['(context.pii ? 1 : 2) == 1', "'cond' is outside the verifiable subset"],
    ["principal.name + 'x' == 'bx'", "'add_string' is outside the verifiable subset"],
    // Durations and time arithmetic have no SMT encoding: the verifier reports them unverifiable.
    ['duration(principal.name).getHours() == 1', "'duration_field' is outside the verifiable subset"],
    ["context.at - timestamp('2024-01-01T00:00:00Z') == duration('1h')", 'duration comparison'],
    ["context.at + duration('1h') == context.at", 'timestamp comparison'],
    ["duration('1h') + duration('1m') == duration('61m')", 'duration comparison'],
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
