/**
 * fast-check generators for the differential and fuzz tests: a fixed vocabulary covering every
 * attribute type, well-typed random CEL conditions over it (errors, overflow, division by
 * zero, missing attributes, unicode, numbers at the edges), policies and requests.
 */
import fc from 'fast-check';
import type { Effect } from '../policy-model.js';
import type { DecisionRequest } from '../request-validator.js';

export const FUZZ_VOCABULARY = {
  attributes: {
    'principal.id': 'string',
    'principal.roles': 'list<string>',
    'principal.level': 'int',
    'principal.score': 'double',
    'principal.active': 'bool',
    'principal.attrs.dept': 'string',
    'principal.attrs.rank': 'int',
    'action.amount': 'double',
    'action.count': 'int',
    'action.tags': 'list<string>',
    'action.nums': 'list<int>',
    'resource.owner': 'string',
    'resource.labels': 'map<string,string>',
    'resource.limits': 'map<string,int>',
    'resource.external': 'bool',
    'context.note': 'string',
    'context.pii': 'bool',
    'context.at': 'timestamp',
  },
};

export const ACTIONS = ['read', 'write', 'refund'] as const;

const INT_EDGES = [
  '0',
  '1',
  '-1',
  '2',
  '7',
  '9223372036854775807',
  '-9223372036854775808',
  '9007199254740991',
  '-9007199254740991',
  '9007199254740992',
  '4611686018427387904',
  '3037000500',
];
const DOUBLE_EDGES = [
  '0.0',
  '-0.0',
  '1.5',
  '-2.5',
  '1e308',
  '-1e308',
  '5e-324',
  '0.1',
  '9007199254740993.0',
  '1e19',
];
const STRINGS = ['', 'a', 'admin', 'é', '😀', 'a😀', 'ß', 'A', 'x\u0000y', 'ﬀ', 'e\u0301', '\uffff'];
const KEYS = ['env', 'a', 'é', 'constructor', 'k😀'];
const TIMES = [
  '2024-01-01T00:00:00Z',
  '2024-06-01T12:00:00+02:00',
  '1970-01-01T00:00:00.000000001Z',
  '0001-01-01T00:00:00Z',
];

const celString = (s: string) =>
  `'${[...s]
    .map((ch) => {
      const cp = ch.codePointAt(0)!;
      if (ch === "'" || ch === '\\') return `\\${ch}`;
      if (cp < 0x20 || cp === 0x7f) return `\\u${cp.toString(16).padStart(4, '0')}`;
      return ch;
    })
    .join('')}'`;

type Gen = (depth: number) => fc.Arbitrary<string>;

const leafInt = fc.oneof(
  fc.constantFrom(...INT_EDGES),
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.constantFrom(
    'principal.level',
    'principal.attrs.rank',
    'action.count',
    "resource.limits['a']",
    "resource.limits['env']",
    'action.nums[0]',
  ),
  fc.constantFrom(
    'size(principal.roles)',
    'size(context.note)',
    'action.tags.size()',
    'size(resource.labels)',
  ),
);
const leafDouble = fc.oneof(
  fc.constantFrom(...DOUBLE_EDGES),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((d) => {
    const s = String(d);
    return /[.e]/.test(s) ? (s.startsWith('-') ? `(${s})` : s) : `${s}.0`;
  }),
  fc.constantFrom('principal.score', 'action.amount'),
);
const leafString = fc.oneof(
  fc.constantFrom(...STRINGS).map(celString),
  fc.string({ unit: 'grapheme', maxLength: 4 }).map(celString),
  fc.constantFrom(
    'principal.id',
    'resource.owner',
    'context.note',
    "resource.labels['env']",
    'principal.roles[0]',
  ),
);
const leafBool = fc.constantFrom(
  'true',
  'false',
  'principal.active',
  'resource.external',
  'context.pii',
  'has(principal.id)',
  'has(principal.attrs.dept)',
  'has(principal.attrs)',
  'has(context.pii)',
  'has(resource.labels.env)',
  "'env' in resource.labels",
  "'admin' in principal.roles",
);

const int: Gen = (d) =>
  d <= 0
    ? leafInt
    : fc.oneof(
        { weight: 3, arbitrary: leafInt },
        fc
          .tuple(int(d - 1), fc.constantFrom('+', '-', '*', '/', '%'), int(d - 1))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        int(d - 1).map((a) => `-(${a})`),
        dbl(d - 1).map((a) => `int(${a})`),
        fc.tuple(bool(d - 1), int(d - 1), int(d - 1)).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
      );
const dbl: Gen = (d) =>
  d <= 0
    ? leafDouble
    : fc.oneof(
        { weight: 3, arbitrary: leafDouble },
        fc
          .tuple(dbl(d - 1), fc.constantFrom('+', '-', '*', '/'), dbl(d - 1))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        int(d - 1).map((a) => `double(${a})`),
      );
const str: Gen = (d) =>
  d <= 0
    ? leafString
    : fc.oneof(
        { weight: 3, arbitrary: leafString },
        fc.tuple(str(d - 1), str(d - 1)).map(([a, b]) => `(${a} + ${b})`),
        int(d - 1).map((a) => `string(${a})`),
      );
const bool: Gen = (d) =>
  d <= 0
    ? leafBool
    : fc.oneof(
        { weight: 2, arbitrary: leafBool },
        fc
          .tuple(bool(d - 1), fc.constantFrom('&&', '||'), bool(d - 1))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        bool(d - 1).map((a) => `!(${a})`),
        fc
          .tuple(int(d - 1), fc.constantFrom('==', '!=', '<', '<=', '>', '>='), int(d - 1))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(dbl(d - 1), fc.constantFrom('==', '!=', '<', '>='), dbl(d - 1))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(int(d - 1), fc.constantFrom('==', '<', '>='), dbl(d - 1))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(str(d - 1), fc.constantFrom('==', '!=', '<', '>'), str(d - 1))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(str(d - 1), fc.constantFrom('startsWith', 'endsWith', 'contains'), str(d - 1))
          .map(([a, f, b]) => `${a}.${f}(${b})`),
        fc
          .tuple(str(d - 1), fc.array(leafString, { maxLength: 3 }))
          .map(([a, l]) => `${a} in [${l.join(', ')}]`),
        fc
          .tuple(int(d - 1), fc.array(leafInt, { maxLength: 3 }))
          .map(([a, l]) => `${a} in [${l.join(', ')}]`),
        fc.tuple(int(d - 1)).map(([a]) => `${a} in action.nums`),
        fc.tuple(str(d - 1)).map(([a]) => `${a} in resource.labels`),
        fc
          .tuple(
            fc.constantFrom('all', 'exists', 'exists_one'),
            fc.constantFrom('startsWith', 'endsWith', '=='),
            str(0),
          )
          .map(([m, f, s]) =>
            f === '==' ? `principal.roles.${m}(r, r == ${s})` : `principal.roles.${m}(r, r.${f}(${s}))`,
          ),
        // Loop bodies stay loop-free: nested loops over request lists exceed the cost limit.
        fc
          .tuple(fc.constantFrom('all', 'exists'), leafInt, fc.constantFrom('+', '-', '*', '/', '%'), leafInt)
          .map(([m, a, op, b]) => `action.nums.${m}(n, (${a} ${op} ${b}) / n > 0)`),
        fc
          .tuple(fc.constantFrom('all', 'exists'), int(0))
          .map(([m, b]) => `resource.limits.${m}(k, resource.limits[k] > ${b})`),
        fc.constantFrom(
          "action.tags.filter(t, t.startsWith('a')).size() > 0",
          'action.nums.map(n, n * 2).exists(m, m > 10)',
          "principal.roles + ['x'] == action.tags",
          'action.nums == [1, 2]',
          "{'a': 1}['a'] == principal.level",
        ),
        fc
          .constantFrom(...TIMES)
          .map((t) => `context.at ${['<', '>=', '=='][t.length % 3]} timestamp('${t}')`),
      );

export const conditionArb: fc.Arbitrary<string> = bool(3);

export interface GeneratedPolicy {
  readonly id: string;
  readonly target: { readonly actions: string[] };
  readonly condition: string;
  readonly effect: Effect;
  readonly priority: number;
}

export const policySetArb: fc.Arbitrary<GeneratedPolicy[]> = fc
  .array(
    fc.record({
      actions: fc.subarray([...ACTIONS, '*'], { minLength: 1 }),
      condition: conditionArb,
      effect: fc.constantFrom<Effect>('allow', 'deny', 'review'),
      priority: fc.integer({ min: -2, max: 2 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((ps) =>
    ps.map((p, i) => ({
      id: `p${i}`,
      target: { actions: p.actions },
      condition: p.condition,
      effect: p.effect,
      priority: p.priority,
    })),
  );

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });
const anyString = fc.oneof(fc.constantFrom(...STRINGS), fc.string({ unit: 'binary', maxLength: 6 }));
const safeInt = fc.oneof(
  fc.constantFrom(
    0,
    1,
    -1,
    2,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2 ** 31,
    -(2 ** 31),
    3037000500,
  ),
  fc.integer({ min: -30, max: 30 }),
);
const anyDouble = fc.oneof(
  fc.constantFrom(0, -0, 1.5, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e19, 2 ** 53 + 2, 0.1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const compact = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const requestArb: fc.Arbitrary<DecisionRequest> = fc
  .record({
    type: fc.constantFrom(...ACTIONS, 'other'),
    principal: fc.record({
      id: optional(anyString),
      roles: optional(fc.array(anyString, { maxLength: 4 })),
      level: optional(safeInt),
      score: optional(anyDouble),
      active: optional(fc.boolean()),
      attrs: optional(fc.record({ dept: optional(anyString), rank: optional(safeInt) })),
    }),
    action: fc.record({
      amount: optional(anyDouble),
      count: optional(safeInt),
      tags: optional(fc.array(anyString, { maxLength: 3 })),
      nums: optional(fc.array(safeInt, { maxLength: 3 })),
    }),
    resource: fc.record({
      owner: optional(anyString),
      labels: optional(fc.dictionary(fc.constantFrom(...KEYS), anyString, { maxKeys: 3 })),
      limits: optional(fc.dictionary(fc.constantFrom(...KEYS), safeInt, { maxKeys: 3 })),
      external: optional(fc.boolean()),
    }),
    context: fc.record({
      note: optional(anyString),
      pii: optional(fc.boolean()),
      at: optional(fc.constantFrom(...TIMES)),
    }),
  })
  .map((r) => ({
    principal: compact({ ...r.principal, attrs: r.principal.attrs && compact(r.principal.attrs) }),
    action: { type: r.type, ...compact(r.action) },
    resource: compact(r.resource),
    context: compact(r.context),
  }));
