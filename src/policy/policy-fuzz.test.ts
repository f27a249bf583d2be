/**
 * Hostile input (issue done-criterion 2): garbage and adversarial policy text never crashes or
 * hangs the checker; the answer is always a coded error with a position, and conditions that
 * could run long are rejected at check time with the limit named.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readPolicyCaseFiles } from '../../test/support/policy-cases.js';
import { policyErrors } from './errors.js';
import { checkPolicies } from './policy-checker.js';
import { type PolicyDiagnostic, parsePolicyDocument } from './policy-document-parser.js';
import { compilePolicySet } from './policy-engine.js';
import { createReferenceDecider } from './reference-decider.js';
import { FUZZ_VOCABULARY, requestArb } from './testing/policy-arbitraries.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary(FUZZ_VOCABULARY);
const SOUP_RUNS = Number(process.env.ACGS_SOUP_RUNS ?? 8000);
const CODES = new Set(['POLICY_PARSE_ERROR', 'POLICY_TYPE_ERROR', 'POLICY_INVALID', 'POLICY_LIMIT_EXCEEDED']);

function assertDiagnostic(d: PolicyDiagnostic) {
  assert.ok(CODES.has(d.code), d.code);
  assert.ok(d.message.length > 0);
  // Policies given as objects have no file: their structural errors are placed by JSON pointer.
  if (d.location === undefined) {
    assert.match(d.pointer, /^\/\d+\/\w+/, `no position for ${d.message}`);
    return;
  }
  assert.ok(d.location.line >= 1 && d.location.column >= 1, JSON.stringify(d.location));
}

/**
 * Checks one condition and returns the diagnostics. How long checking takes is measured in
 * bench/edge-timings.bench.ts; here the suite's timeout only stops a blow-up that would hang.
 */
function checkOne(condition: string) {
  const report = checkPolicies(
    [{ id: 'p', target: { actions: ['read'] }, condition, effect: 'deny' }],
    vocabulary,
  );
  for (const d of report.diagnostics) assertDiagnostic(d);
  return report;
}

const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '.',
  ',',
  ':',
  '?',
  '!',
  '-',
  '+',
  '*',
  '/',
  '%',
  '&&',
  '||',
  '==',
  '<',
  '>=',
  ' in ',
  "'",
  '"',
  '"""',
  "'''",
  '\\',
  'r"',
  'b"',
  '0x',
  '1u',
  '1e',
  '9223372036854775808',
  '1.5',
  'true',
  'null',
  'principal',
  'action.amount',
  'has(',
  'size(',
  '.all(',
  '.exists(x,',
  'x',
  '@result',
  '\n',
  ' ',
  '😀',
  '\u0000',
];

describe('hostile policy text', { timeout: 300_000 }, () => {
  it('random condition text never crashes the checker', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        checkOne(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('random CEL token soup never crashes the checker', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        const report = checkOne(tokens.join(''));
        if (!report.ok) assert.ok(report.diagnostics.length > 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('token soup the checker accepts evaluates exactly as the interpreter does', () => {
    const operands = [
      'principal.level',
      'action.count',
      'action.amount',
      'principal.roles',
      'principal.id',
      'resource.labels',
      "'a'",
      "'😀'",
      '1',
      '0',
      '-1',
      '2.5',
      '9223372036854775807',
      'true',
      'false',
      'null',
      '[1, 2]',
      "['a']",
      'principal.roles.size()',
      "resource.labels['env']",
      'principal.roles[0]',
      "principal.id.startsWith('a')",
      'principal.roles.exists(x, x == principal.id)',
      'action.nums.all(x, x > 0)',
      'action.nums.map(x, x * 2)',
      'size(principal.id)',
      'int(action.amount)',
      'double(action.count)',
      'string(action.count)',
      '(1 / 0)',
      'has(principal.id)',
      'context.pii',
      '!context.pii',
      "{'k': 1}",
      "{'k': 1}['k']",
      '[]',
    ];
    const operators = [
      '+',
      '-',
      '*',
      '/',
      '%',
      '==',
      '!=',
      '<',
      '>=',
      '&&',
      '||',
      ' in ',
      '(',
      ')',
      '?',
      ':',
      '!',
      ',',
    ];
    const soup = fc
      .tuple(
        fc.constantFrom(...operands),
        fc.array(fc.tuple(fc.constantFrom(...operators), fc.constantFrom(...operands)), { maxLength: 4 }),
      )
      .map(([first, rest]) => [first, ...rest.flat()]);
    let accepted = 0;
    fc.assert(
      fc.property(soup, requestArb, (tokens, request) => {
        const condition = tokens.join(' ');
        const policy = { id: 'p', target: { actions: ['*'] }, condition, effect: 'deny' };
        if (!checkPolicies([policy], vocabulary).ok) return;
        accepted++;
        const engine = compilePolicySet([policy], vocabulary);
        const reference = createReferenceDecider(engine.policies, vocabulary, 'deny');
        const got = engine.decide(request);
        const want = reference.decide(request);
        assert.deepEqual(
          [got.decision, got.errors.map((e) => e.policyId), got.defaultApplied],
          [want.decision, [...want.errored], want.defaultApplied],
          condition,
        );
      }),
      { numRuns: SOUP_RUNS },
    );
    assert.ok(accepted > SOUP_RUNS / 32, `only ${accepted} accepted`);
  });

  const pathological: [string, string, RegExp][] = [
    ['deep parentheses', `${'('.repeat(100_000)}true${')'.repeat(100_000)}`, /limit is 4096/],
    [
      'deep parentheses under the length limit',
      `${'('.repeat(2000)}true${')'.repeat(2000)}`,
      /nest deeper than 24/,
    ],
    ['deep lists', `${'['.repeat(1500)}${']'.repeat(1500)} == []`, /nest deeper than 24/],
    ['unclosed brackets', '('.repeat(4000), /nest deeper than 24/],
    ['long selection chain', `principal${'.a'.repeat(2000)}`, /deeper than|nodes|unknown attribute/],
    ['huge list literal', `action.count in [${'1,'.repeat(1500)}1]`, /the limit is 64/],
    ['huge arithmetic', `${'1 + '.repeat(1000)}1 > 0`, /nodes|deeper/],
    ['long or-chain', `${'true || '.repeat(400)}true`, /more than 600 nodes/],
    [
      'nested comprehensions',
      'principal.roles.all(a, principal.roles.all(b, principal.roles.exists(c, a == c)))',
      /nest deeper than 2/,
    ],
    ['long regex', `principal.id.matches('${'a'.repeat(300)}')`, /the limit is 256/],
  ];
  it('folds long negation and minus chains without recursion trouble', () => {
    // The parser collapses `!!` and `--` pairs, so these are small trees: accepted, not a hazard.
    assert.equal(checkOne(`${'!'.repeat(4000)}true`).ok, true);
    assert.equal(checkOne(`${'-'.repeat(4000)}1 > 0`).ok, true);
    assert.equal(checkOne(`${'!'.repeat(4001)}true`).ok, true);
  });

  for (const [name, condition, message] of pathological) {
    it(`rejects ${name} at check time with the limit named`, () => {
      const report = checkOne(condition);
      assert.equal(report.ok, false);
      assert.match(report.diagnostics[0]!.message, message);
    });
  }

  it('random YAML text never crashes the document parser', () => {
    const yamlTokens = [
      'id: ',
      'condition: ',
      '- ',
      ':',
      '[',
      ']',
      '{',
      '}',
      '&a ',
      '*a',
      '!!str ',
      '---\n',
      '\n  ',
      "'",
      '"',
      '|\n  ',
      'x',
      '1',
      '#',
      '? ',
      '%YAML 1.2\n',
      '\t',
      '😀',
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(fc.constantFrom(...yamlTokens), { maxLength: 80 }).map((t) => t.join('')),
        ),
        (text) => {
          const doc = parsePolicyDocument(text, { file: 'fuzz.yaml' });
          for (const d of doc.diagnostics) {
            assertDiagnostic(d);
            assert.equal(d.location!.file, 'fuzz.yaml');
          }
          const report = checkPolicies(doc.policies, vocabulary);
          for (const d of report.diagnostics) assertDiagnostic(d);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects a YAML alias bomb and deep flow nesting with a position', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    for (const text of [
      bomb.join('\n'),
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `x: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`,
    ]) {
      const doc = parsePolicyDocument(text, { file: 'evil.yaml' });
      assert.ok(doc.diagnostics.length > 0);
      for (const d of doc.diagnostics) assertDiagnostic(d);
    }
  });
});

describe('the semantics cases, perturbed', () => {
  // The YAML cases' policy sets with their requests mutated at random (attributes dropped or
  // swapped between cases): the compiled engine and the interpreter still agree on every one.
  for (const data of readPolicyCaseFiles().filter((f) => f.policies !== undefined && f.cases.length > 0)) {
    it(`${data.file}: engine and interpreter agree on perturbed requests`, () => {
      const caseVocabulary = parseVocabulary(data.vocabulary);
      const engine = compilePolicySet(data.policies!, caseVocabulary, {
        defaultDecision: data.defaultDecision,
      });
      const reference = createReferenceDecider(engine.policies, caseVocabulary, engine.defaultDecision);
      const requests = data.cases.map((c) => c.request as unknown as Record<string, Record<string, unknown>>);
      const perturbed = fc
        .tuple(fc.nat(requests.length - 1), fc.nat(requests.length - 1), fc.nat(), fc.boolean())
        .map(([i, j, pick, drop]) => {
          const request = structuredClone(requests[i]!);
          const other = requests[j]!;
          const namespaces = ['principal', 'action', 'resource', 'context'].filter(
            (n) => request[n] !== undefined,
          );
          const ns = namespaces[pick % namespaces.length]!;
          const keys = Object.keys(request[ns]!).filter((k) => !(ns === 'action' && k === 'type'));
          if (keys.length === 0) return request;
          const key = keys[pick % keys.length]!;
          if (drop) delete request[ns]![key];
          else if (other[ns]?.[key] !== undefined) request[ns]![key] = structuredClone(other[ns]![key]);
          return request;
        });
      fc.assert(
        fc.property(perturbed, (request) => {
          let got: ReturnType<typeof engine.decide>;
          try {
            got = engine.decide(request);
          } catch (e) {
            assert.ok(policyErrors.is(e, 'POLICY_REQUEST_INVALID'), String(e));
            return;
          }
          const want = reference.decide(request as never);
          assert.equal(got.decision, want.decision);
          assert.deepEqual(got.matched.map((m) => m.policyId).sort(), [...want.matched].sort());
          assert.deepEqual(got.errors.map((e) => e.policyId).sort(), [...want.errored].sort());
        }),
        { numRuns: 200 },
      );
    });
  }
});
