import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { policyErrors } from './errors.js';
import {
  compileRequestErrorCollector,
  compileRequestValidator,
  validateRequest,
} from './request-validator.js';
import { FUZZ_VOCABULARY, requestArb } from './testing/policy-arbitraries.js';
import { parseVocabulary } from './vocabulary-parser.js';

const vocabulary = parseVocabulary({
  ...FUZZ_VOCABULARY,
  attributes: {
    ...FUZZ_VOCABULARY.attributes,
    'principal.id': { type: 'string', required: true },
    'principal.attrs.team': 'string',
  },
});

/** Random damage to a valid request: wrong types, unknown keys, deletions, odd values. */
const damaged = fc
  .tuple(
    requestArb,
    fc.array(
      fc.tuple(
        fc.constantFrom('principal', 'action', 'resource', 'context', 'extra'),
        fc.constantFrom(
          'id',
          'roles',
          'level',
          'score',
          'type',
          'count',
          'nums',
          'labels',
          'limits',
          'at',
          'attrs',
          'bogus',
        ),
        fc.oneof(
          fc.constant(undefined),
          fc.constant(null),
          fc.string(),
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.array(fc.oneof(fc.string(), fc.integer())),
          fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
          fc.constant(2 ** 60),
          fc.constant('2024-01-01T00:00:00Z'),
          fc.constant({ team: 'x' }),
        ),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([request, edits]) => {
    const r: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(request));
    r.principal = { id: 'p', ...r.principal };
    for (const [ns, key, value] of edits) {
      r[ns] ??= {};
      if (value === undefined) delete r[ns]![key];
      else r[ns]![key] = value;
    }
    return r;
  });

describe('request validation', () => {
  it('the fast path accepts exactly the requests the full check finds no error in', () => {
    const fast = compileRequestValidator(vocabulary);
    const slow = compileRequestErrorCollector(vocabulary);
    let invalid = 0;
    fc.assert(
      fc.property(damaged, (request) => {
        const a = fast(request);
        const b = slow(request);
        assert.deepEqual(a, b);
        if (b !== undefined) invalid++;
      }),
      { numRuns: 3000 },
    );
    assert.ok(invalid > 500, `only ${invalid} invalid requests generated`);
  });

  it('reports every error with its JSON pointer', () => {
    try {
      validateRequest(vocabulary, {
        principal: { roles: 'admin', level: 1.5, attrs: { team: 3, x: 1 } },
        action: { count: 2 ** 60, nums: [1, 'two'] },
        resource: { labels: { 'a/b': 1 } },
        context: { at: '2024-13-01T00:00:00Z' },
        extra: {},
      });
      assert.fail('expected POLICY_REQUEST_INVALID');
    } catch (e) {
      assert.ok(policyErrors.is(e, 'POLICY_REQUEST_INVALID'));
      assert.equal(e.status, 400);
      assert.deepEqual((e.errors ?? []).map((f) => f.pointer).sort(), [
        '/action/count',
        '/action/nums/1',
        '/action/type',
        '/context/at',
        '/extra',
        '/principal/attrs/team',
        '/principal/attrs/x',
        '/principal/id',
        '/principal/level',
        '/principal/roles',
        '/resource/labels/a~1b',
      ]);
    }
  });

  it('accepts a minimal request and rejects non-objects', () => {
    validateRequest(vocabulary, { principal: { id: 'a' }, action: { type: 'read' } });
    const validate = compileRequestValidator(vocabulary);
    for (const bad of [null, [], 'x', 1, { action: [] }, { action: { type: 1 } }]) {
      assert.ok(validate(bad) !== undefined, JSON.stringify(bad));
    }
  });
});
