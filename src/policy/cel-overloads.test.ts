/**
 * The declarations are the truth every stage switches on: each declared overload is one the
 * checker really resolves to, each is compiled and given a verifiability, and a stage that forgets
 * one does not compile (the `@ts-expect-error` below fails the build if that ever stops holding).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCondition } from './cel-ast.js';
import { compileCondition } from './cel-compiler.js';
import {
  assertNever,
  CEL_FUNCTIONS,
  CEL_OVERLOADS,
  type LogicOverload,
  type OverloadId,
} from './cel-overloads.js';
import { verifiability } from './cel-subset-analyzer.js';
import { checkCondition } from './cel-type-checker.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  attributes: {
    'principal.roles': 'list<string>',
    'principal.level': 'int',
    'principal.name': 'string',
    'action.amount': 'double',
    'resource.tags': 'map<string,string>',
    'context.flag': 'bool',
    'context.at': 'timestamp',
  },
});

/** One condition per overload, at least; together they reach every declared id. */
const SAMPLES = [
  'context.flag && !context.flag || context.flag',
  "principal.roles.all(r, r != '')",
  "(context.flag ? 1 : 2) == 1 && principal.name == 'a' && principal.level != 3",
  'principal.level == 1.0 && principal.level != 2.0 && principal.roles == [] && principal.roles != []',
  'principal.name != null || principal.name == null',
  "principal.level < 1 && principal.level <= 1 && principal.name > 'a' && principal.name >= 'a'",
  'principal.level < 1.0 && principal.level <= 1.0 && principal.level > 1.0 && principal.level >= 1.0',
  'action.amount < 1 && action.amount <= 1 && action.amount > 1 && action.amount >= 1',
  '-(principal.level + 1 - 2 * 3 / 4 % 5) == 0 && -(action.amount + 1.0 - 2.0 * 3.0 / 4.0) == 0.0',
  "principal.name + 'x' == 'y' && size(principal.name) == 1 && principal.name.size() == 1",
  "principal.name.contains('a') && principal.name.startsWith('a') && principal.name.endsWith('a')",
  "principal.name.matches('^a') && size(principal.roles + ['x']) == 2 && size(resource.tags) == 0",
  "'a' in principal.roles && 1.0 in [1, 2] && [1] in [[1]] && 'k' in resource.tags",
  "principal.roles[0] == 'a' && resource.tags['k'] == 'v'",
  'int(principal.level) == int(action.amount) && double(action.amount) == double(principal.level)',
  "string(principal.name) == string(principal.level) && string(context.flag) == 'true'",
  "context.at < timestamp('2024-01-01T00:00:00Z') && context.at.getHours('Europe/Paris') < 18",
  "principal.name.charAt(0) == 'a' && principal.name.indexOf('a') == 0 && principal.name.lastIndexOf('a', 1) == 0",
  "principal.name.lowerAscii().upperAscii().trim() == 'A' && principal.name.replace('a', 'b', 1) == 'b'",
  "principal.name.split(',', 2).join('-') == 'a' && principal.name.substring(0, 1) == principal.roles.join()",
  "context.at + duration('1h') > duration(principal.name) + context.at && context.at - duration('1s') < context.at",
  "url(principal.name).getHost() == '' && url('https://a.example').getQuery() == {} && isURL(principal.name) && isIP('x')",
  "ip(principal.name).family() == 4 && ip('::1').isLoopback() && cidr('10.0.0.0/8').containsIP(ip(principal.name))",
  "cidr(principal.name).containsIP('10.0.0.1') && cidr(principal.name).containsCIDR(cidr('10.0.0.0/24')) && isCIDR('x')",
  "cidr(principal.name).ip() == ip('10.0.0.1') && cidr(principal.name).prefixLength() == 8 && cidr(principal.name).masked() == cidr('10.0.0.0/8') && string(ip('::1')) == string(cidr('::/0'))",
  "(context.at - context.at).getHours() == 0 && duration('1m') - duration('1s') < duration('1m') + duration('1s')",
];

function overloadsOf(condition: string): Set<OverloadId> {
  const parsed = parseCondition(condition);
  assert.ok(parsed.ok, condition);
  const result = checkCondition(parsed.ast, vocabulary);
  assert.ok(result.ok, `${condition}: ${result.ok ? '' : result.diagnostic.message}`);
  compileCondition(result.checked);
  return new Set(result.checked.overloads.values());
}

describe('cel-overloads', () => {
  it('every declared overload is one the checker resolves to, and every one it resolves to is declared', () => {
    const seen = new Set<OverloadId>();
    for (const sample of SAMPLES) for (const id of overloadsOf(sample)) seen.add(id);
    assert.deepEqual([...seen].sort(), Object.keys(CEL_OVERLOADS).sort());
  });

  it('every overload names declared functions, and every function has an overload', () => {
    const named = new Set<string>();
    for (const [id, declaration] of Object.entries(CEL_OVERLOADS)) {
      const fns: readonly string[] = typeof declaration.fn === 'string' ? [declaration.fn] : declaration.fn;
      for (const fn of fns) {
        assert.ok(Object.hasOwn(CEL_FUNCTIONS, fn), `${id} names ${fn}`);
        named.add(fn);
      }
      assert.ok(declaration.signatures.length > 0, `${id} has a signature`);
    }
    assert.deepEqual([...named].sort(), Object.keys(CEL_FUNCTIONS).sort());
  });

  it('every overload has a verdict on verifiability', () => {
    for (const id of Object.keys(CEL_OVERLOADS) as OverloadId[]) {
      assert.match(
        verifiability(id),
        /^(scalars|same-type-branches|list-membership|map-key|list-index|list-size|passthrough|timestamp-literal|outside)$/,
      );
    }
  });

  it('an unknown function is refused by the checker with the name the author wrote', () => {
    const parsed = parseCondition("principal.name.reverse() == 'a'");
    assert.ok(parsed.ok);
    const result = checkCondition(parsed.ast, vocabulary);
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : result.diagnostic.message,
      /unknown or unsupported function 'reverse'|no matching overload for 'string.reverse'/,
    );
  });

  it('a switch that forgets an overload does not compile', () => {
    const incomplete = (id: LogicOverload): string => {
      switch (id) {
        case 'and':
        case 'or':
        case 'not':
        case 'not_strictly_false':
          return 'handled';
        default:
          // @ts-expect-error -- 'cond' is not handled, so `id` is not `never` here.
          return assertNever(id);
      }
    };
    assert.equal(incomplete('and'), 'handled');
    assert.throws(() => incomplete('cond'), /unhandled overload 'cond'/);
  });
});
