import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromJson } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import {
  addInt,
  divInt,
  doubleToInt,
  EvalFailure,
  type IntValue,
  intLiteral,
  modInt,
  mulInt,
  negInt,
  parseDuration,
  parseTimestamp,
  stringSize,
  subInt,
} from './cel-runtime.js';

const MAX = 2n ** 63n - 1n;
const MIN = -(2n ** 63n);
const canonical = (b: bigint): IntValue => (b >= -(2n ** 53n - 1n) && b <= 2n ** 53n - 1n ? Number(b) : b);

/** The oracle: exact BigInt arithmetic with int64 overflow and zero-divisor errors. */
function oracle(op: string, a: bigint, b: bigint): IntValue | 'error' {
  let r: bigint;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      if (b === 0n) return 'error';
      r = a / b;
      break;
    default:
      if (b === 0n) return 'error';
      // The remainder is 0, but the quotient overflows: an error in cel-go and here.
      if (a === MIN && b === -1n) return 'error';
      r = a % b;
  }
  return r > MAX || r < MIN ? 'error' : canonical(r);
}

const FNS: Record<string, (a: IntValue, b: IntValue) => IntValue> = {
  '+': addInt,
  '-': subInt,
  '*': mulInt,
  '/': divInt,
  '%': modInt,
};

const int64 = fc.oneof(
  fc.bigInt({ min: MIN, max: MAX }),
  fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
  fc.bigInt({ min: -100n, max: 100n }),
  fc.constantFrom(
    MAX,
    MIN,
    0n,
    -1n,
    1n,
    2n ** 53n,
    2n ** 53n - 1n,
    -(2n ** 53n),
    3037000499n,
    3037000500n,
    2n ** 32n,
  ),
);

function run(f: () => IntValue): IntValue | 'error' {
  try {
    return f();
  } catch (e) {
    assert.ok(e instanceof EvalFailure);
    return 'error';
  }
}

describe('CEL runtime helpers', () => {
  it('int64 arithmetic in the number/bigint representation matches exact BigInt arithmetic', () => {
    fc.assert(
      fc.property(int64, int64, fc.constantFrom('+', '-', '*', '/', '%'), (a, b, op) => {
        const got = run(() => FNS[op]!(intLiteral(a), intLiteral(b)));
        assert.deepEqual(got, oracle(op, a, b), `${a} ${op} ${b}`);
        if (typeof got === 'number') assert.ok(!Object.is(got, -0));
      }),
      { numRuns: 20_000 },
    );
  });

  it('negation and double-to-int conversion fail where CEL fails', () => {
    assert.equal(
      run(() => negInt(intLiteral(MIN))),
      'error',
    );
    assert.equal(negInt(intLiteral(MAX)), intLiteral(-MAX));
    assert.ok(!Object.is(negInt(0), -0));
    assert.equal(doubleToInt(-2.9), -2);
    assert.equal(doubleToInt(1e18), 10n ** 18n);
    for (const d of [Number.NaN, Number.POSITIVE_INFINITY, 9.3e18, -9.3e18, 2 ** 63]) {
      assert.equal(
        run(() => doubleToInt(d)),
        'error',
        String(d),
      );
    }
  });

  it('size counts code points the way the interpreter does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
        assert.equal(stringSize(s), [...s].length);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a day the month does not have, hour 24, second 60 and offsets past 23:59', () => {
    for (const s of [
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60:00Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T12:00:00+24:00',
      '2024-01-01T12:00:00+05:60',
    ]) {
      assert.equal(parseTimestamp(s), undefined, s);
    }
    for (const s of ['2024-02-29T23:59:59Z', '2000-02-29T00:00:00Z', '2024-12-31T23:59:59.999999999+23:59']) {
      assert.notEqual(parseTimestamp(s), undefined, s);
    }
  });

  it('parses RFC 3339 timestamps like protobuf JSON, but refuses impossible dates and times', () => {
    const samples = fc.oneof(
      fc
        .date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString()),
      fc.constantFrom(
        '2024-06-01T12:00:00+02:00',
        '2024-06-01T12:00:00.123456789-11:30',
        '1969-12-31T23:59:59.999999999Z',
        '2024-02-30T00:00:00Z',
        '2024-01-01 00:00:00Z',
        '10000-01-01T00:00:00Z',
        '0000-12-31T23:59:59Z',
        '2024-01-01T00:00:00z',
      ),
    );
    fc.assert(
      fc.property(samples, (s) => {
        let want: bigint | undefined;
        try {
          const t = fromJson(TimestampSchema, s);
          want = t.seconds * 1_000_000_000n + BigInt(t.nanos);
        } catch {
          want = undefined;
        }
        // protobuf-es shifts an impossible date or time into the next (2024-02-30 → 03-01);
        // RFC 3339 and cel-go refuse it, and so does the parser.
        const impossible = ['2024-02-30T00:00:00Z'].includes(s);
        assert.equal(parseTimestamp(s), impossible ? undefined : want, s);
      }),
      { numRuns: 2000 },
    );
  });

  it("parses durations with Go's (cel-go's) syntax, strictly, within int64 nanoseconds", () => {
    const s = 1_000_000_000n;
    const cases: [string, bigint | undefined][] = [
      ['1h30m', 5400n * s],
      ['-1.5s', -1500_000_000n],
      ['+300ms', 300_000_000n],
      ['1.s', s],
      ['.5us', 500n],
      ['1µs1ns', 1001n],
      ['1s1h', 3601n * s],
      ['0', 0n],
      ['-0', 0n],
      ['2562047h47m16.854775807s', 9223372036854775807n],
      ['-2562047h47m16.854775808s', -9223372036854775808n],
      ['2562047h47m16.854775808s', undefined],
      ['', undefined],
      ['1', undefined],
      ['1h30', undefined],
      ['1 h', undefined],
      ['1d', undefined],
      ['.s', undefined],
      ['--1s', undefined],
      [' 1s', undefined],
      ['1H', undefined],
    ];
    for (const [text, expected] of cases) assert.equal(parseDuration(text), expected, text);
  });
});
