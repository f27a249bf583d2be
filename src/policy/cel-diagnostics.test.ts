/** Messages a newcomer meets when a condition is wrong: where, what, and what was probably meant. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCondition } from './cel-ast.js';
import { checkCondition } from './cel-type-checker.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  attributes: { 'principal.id': 'string', 'principal.roles': 'list<string>', 'action.amount': 'double' },
});

function problem(condition: string) {
  const parsed = parseCondition(condition);
  if (!parsed.ok) return parsed.diagnostic;
  const checked = checkCondition(parsed.ast, vocabulary);
  assert.equal(checked.ok, false, condition);
  return (checked as { diagnostic: { message: string; offset: number; code: string } }).diagnostic;
}

describe('condition diagnostics', () => {
  it('an unclosed bracket is named where it opens, not at the operator before it', () => {
    const text = "action.amount > 1.0 && (principal.id == 'a'";
    const d = problem(text);
    assert.equal(d.code, 'POLICY_PARSE_ERROR');
    assert.equal(d.offset, text.indexOf('('));
    assert.match(d.message, /'\(' is never closed \(expected '\)'\)/);
    assert.equal(problem("principal.id == 'a')").offset, "principal.id == 'a')".indexOf(')'));
    assert.match(problem('[1, 2)').message, /'\)' does not close the '\[' opened at column 1/);
    // Brackets inside string literals do not count.
    assert.notEqual(problem("principal.id == '(' &&").message, "'(' is never closed (expected ')')");
  });

  it('a type error says which operator and which types, with a hint', () => {
    const d = problem('principal.id == 1');
    assert.match(d.message, /^'==' cannot be applied to string and int \(quote the number/);
    assert.match(
      problem('action.amount + 1 > 2.0').message,
      /'\+' cannot be applied to double and int \(write the int as a double/,
    );
  });

  it('a misspelt attribute or variable gets a "did you mean"', () => {
    assert.match(problem("principal.idd == 'x'").message, /did you mean 'principal\.id'\?/);
    assert.match(problem('principal.Roles.size() > 0').message, /did you mean 'principal\.roles'\?/);
    assert.match(problem("prinicpal.id == 'x'").message, /did you mean 'principal'\?/);
    assert.match(problem("principal.roles.exists(role, rol == 'a')").message, /did you mean 'role'\?/);
    // Nothing close: no guess.
    assert.doesNotMatch(problem("principal.department == 'x'").message, /did you mean/);
  });
});
