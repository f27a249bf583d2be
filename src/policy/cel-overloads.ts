/**
 * Every CEL function and operator the platform supports, declared once (OPA's `builtins.go`):
 * its name as the parser spells it, its family, and each overload with a typed signature. The
 * type checker resolves every call to one `OverloadId`; every later stage (the compiler, its
 * fast paths, the subset analyzer, the SMT translation) switches on that id, and ends the switch
 * with `assertNever`, so a stage that forgets an overload does not compile.
 *
 * Adding a function: declare it here (its name in CEL_FUNCTIONS, each overload in CEL_OVERLOADS),
 * then add one case to the checker of its family (`cel-call-checker.ts`), one to the compiler
 * of its family (`cel-call-compiler.ts`) and one to the subset analyzer; the compiler lists
 * every place still missing it.
 */

/** The function families; each stage splits its call handling along them. */
export type CelFamily =
  | 'logic'
  | 'comparison'
  | 'arithmetic'
  | 'strings'
  | 'collections'
  | 'conversions'
  | 'time'
  | 'network';

/**
 * A type in a signature: a concrete CEL type, `A` (any one type, the same wherever it appears
 * in one signature), or a list/map of those.
 */
export type SignatureType =
  | 'bool'
  | 'int'
  | 'double'
  | 'string'
  | 'timestamp'
  | 'duration'
  | 'url'
  | 'ip'
  | 'cidr'
  | 'null'
  | 'A'
  | 'list(A)'
  | 'list(string)'
  | 'map(string, A)'
  | 'map(string, list(string))'
  | 'string literal';

export interface OverloadSignature {
  /** The receiver of a method call (`s.contains(t)`), absent for global functions and operators. */
  readonly receiver?: SignatureType;
  readonly params: readonly SignatureType[];
  readonly result: SignatureType;
}

export interface OverloadDeclaration {
  readonly family: CelFamily;
  /** The function or operator as the parser names it (`_+_`, `size`, `contains`), or several. */
  readonly fn: CelFunctionName | readonly CelFunctionName[];
  /** Every signature this overload covers (one closure serves them all). */
  readonly signatures: readonly OverloadSignature[];
}

const sig = (params: readonly SignatureType[], result: SignatureType): OverloadSignature => ({
  params,
  result,
});
const method = (receiver: SignatureType, params: readonly SignatureType[], result: SignatureType) => ({
  receiver,
  params,
  result,
});

/** The functions and operators, by the parser's name, with their family. */
export const CEL_FUNCTIONS = {
  '_&&_': { family: 'logic', description: 'a && b' },
  '_||_': { family: 'logic', description: 'a || b' },
  '!_': { family: 'logic', description: '!a' },
  '@not_strictly_false': {
    family: 'logic',
    description: 'the loop condition of all/exists (macro internal)',
  },
  '_?_:_': { family: 'logic', description: 'c ? a : b' },
  '_==_': { family: 'comparison', description: 'a == b' },
  '_!=_': { family: 'comparison', description: 'a != b' },
  '_<_': { family: 'comparison', description: 'a < b' },
  '_<=_': { family: 'comparison', description: 'a <= b' },
  '_>_': { family: 'comparison', description: 'a > b' },
  '_>=_': { family: 'comparison', description: 'a >= b' },
  '_+_': { family: 'arithmetic', description: 'a + b (numbers, strings, lists)' },
  '_-_': { family: 'arithmetic', description: 'a - b' },
  '_*_': { family: 'arithmetic', description: 'a * b' },
  '_/_': { family: 'arithmetic', description: 'a / b' },
  '_%_': { family: 'arithmetic', description: 'a % b' },
  '-_': { family: 'arithmetic', description: '-a' },
  contains: { family: 'strings', description: 's.contains(t)' },
  startsWith: { family: 'strings', description: 's.startsWith(t)' },
  endsWith: { family: 'strings', description: 's.endsWith(t)' },
  matches: { family: 'strings', description: 's.matches(re) (RE2)' },
  // CEL's strings extension (cel-go ext.Strings, as in Kubernetes): indexes count code points.
  charAt: { family: 'strings', description: 's.charAt(i)' },
  indexOf: { family: 'strings', description: 's.indexOf(t), s.indexOf(t, from)' },
  lastIndexOf: { family: 'strings', description: 's.lastIndexOf(t), s.lastIndexOf(t, from)' },
  lowerAscii: { family: 'strings', description: 's.lowerAscii()' },
  upperAscii: { family: 'strings', description: 's.upperAscii()' },
  replace: { family: 'strings', description: 's.replace(old, new), s.replace(old, new, n)' },
  split: { family: 'strings', description: 's.split(sep), s.split(sep, n)' },
  substring: { family: 'strings', description: 's.substring(from), s.substring(from, to)' },
  trim: { family: 'strings', description: 's.trim()' },
  join: { family: 'strings', description: 'l.join(), l.join(sep) of a list of strings' },
  '@in': { family: 'collections', description: 'x in list, k in map' },
  '_[_]': { family: 'collections', description: 'list[i], map[k]' },
  size: { family: 'collections', description: 'size(x), x.size() of strings, lists and maps' },
  int: { family: 'conversions', description: 'int(x)' },
  double: { family: 'conversions', description: 'double(x)' },
  string: { family: 'conversions', description: 'string(x)' },
  timestamp: { family: 'time', description: "timestamp('RFC 3339 literal')" },
  duration: { family: 'time', description: "duration('1h30m'): Go/cel-go duration syntax" },
  // Timestamp accessors (CEL's standard definitions): UTC, or in a time zone (IANA name or ±HH:MM).
  getFullYear: { family: 'time', description: 't.getFullYear(), t.getFullYear(tz)' },
  getMonth: { family: 'time', description: 't.getMonth([tz]): 0 (January) to 11' },
  getDayOfMonth: { family: 'time', description: 't.getDayOfMonth([tz]): 0 to 30' },
  getDate: { family: 'time', description: 't.getDate([tz]): 1 to 31' },
  getDayOfWeek: { family: 'time', description: 't.getDayOfWeek([tz]): 0 (Sunday) to 6' },
  getDayOfYear: { family: 'time', description: 't.getDayOfYear([tz]): 0 to 365' },
  getHours: { family: 'time', description: 't.getHours([tz]): 0 to 23; d.getHours(): whole hours' },
  getMinutes: { family: 'time', description: 't.getMinutes([tz]); d.getMinutes(): whole minutes' },
  getSeconds: { family: 'time', description: 't.getSeconds([tz]); d.getSeconds(): whole seconds' },
  getMilliseconds: {
    family: 'time',
    description: 't.getMilliseconds([tz]); d.getMilliseconds(): of the sub-second part',
  },
  // Kubernetes' URL library (k8s.io/apiserver/pkg/cel/library/urls.go).
  url: { family: 'network', description: "url('https://host/path'): an absolute URI or path" },
  isURL: { family: 'network', description: 'isURL(s): whether url(s) succeeds' },
  getScheme: { family: 'network', description: 'u.getScheme()' },
  getHost: { family: 'network', description: "u.getHost(): with the port, IPv6 in '[]'" },
  getHostname: { family: 'network', description: 'u.getHostname(): without the port' },
  getPort: { family: 'network', description: "u.getPort(): '' when absent" },
  getEscapedPath: { family: 'network', description: 'u.getEscapedPath()' },
  getQuery: { family: 'network', description: 'u.getQuery(): map<string, list<string>>' },
  // Kubernetes' IP and CIDR libraries (ip.go, cidr.go).
  ip: { family: 'network', description: "ip('10.0.0.1'); cidr.ip(): the CIDR's address" },
  isIP: { family: 'network', description: 'isIP(s)' },
  family: { family: 'network', description: 'ip.family(): 4 or 6' },
  isUnspecified: { family: 'network', description: 'ip.isUnspecified()' },
  isLoopback: { family: 'network', description: 'ip.isLoopback()' },
  isLinkLocalMulticast: { family: 'network', description: 'ip.isLinkLocalMulticast()' },
  isLinkLocalUnicast: { family: 'network', description: 'ip.isLinkLocalUnicast()' },
  isGlobalUnicast: { family: 'network', description: 'ip.isGlobalUnicast()' },
  cidr: { family: 'network', description: "cidr('10.0.0.0/8')" },
  isCIDR: { family: 'network', description: 'isCIDR(s)' },
  containsIP: { family: 'network', description: 'cidr.containsIP(ip or string)' },
  containsCIDR: { family: 'network', description: 'cidr.containsCIDR(cidr or string)' },
  prefixLength: { family: 'network', description: 'cidr.prefixLength()' },
  masked: { family: 'network', description: 'cidr.masked()' },
} as const satisfies Readonly<Record<string, { readonly family: CelFamily; readonly description: string }>>;

/** A function or operator name the platform knows. */
export type CelFunctionName = keyof typeof CEL_FUNCTIONS;

/**
 * Every overload, by the id the checker records for a call node. The ids are stable: stored
 * explanations, tests and other stages name them.
 */
export const CEL_OVERLOADS = {
  // logic
  and: { family: 'logic', fn: '_&&_', signatures: [sig(['bool', 'bool'], 'bool')] },
  or: { family: 'logic', fn: '_||_', signatures: [sig(['bool', 'bool'], 'bool')] },
  not: { family: 'logic', fn: '!_', signatures: [sig(['bool'], 'bool')] },
  not_strictly_false: { family: 'logic', fn: '@not_strictly_false', signatures: [sig(['A'], 'bool')] },
  cond: { family: 'logic', fn: '_?_:_', signatures: [sig(['bool', 'A', 'A'], 'A')] },
  // comparison: equality
  eq_strict: { family: 'comparison', fn: '_==_', signatures: [sig(['A', 'A'], 'bool')] },
  ne_strict: { family: 'comparison', fn: '_!=_', signatures: [sig(['A', 'A'], 'bool')] },
  eq_loose: {
    family: 'comparison',
    fn: '_==_',
    signatures: [sig(['int', 'double'], 'bool'), sig(['double', 'int'], 'bool')],
  },
  ne_loose: {
    family: 'comparison',
    fn: '_!=_',
    signatures: [sig(['int', 'double'], 'bool'), sig(['double', 'int'], 'bool')],
  },
  eq_generic: {
    family: 'comparison',
    fn: '_==_',
    signatures: [sig(['list(A)', 'list(A)'], 'bool'), sig(['A', 'null'], 'bool')],
  },
  ne_generic: {
    family: 'comparison',
    fn: '_!=_',
    signatures: [sig(['list(A)', 'list(A)'], 'bool'), sig(['A', 'null'], 'bool')],
  },
  // comparison: ordering (int, double, string, bool, timestamp against their own type)
  lt: { family: 'comparison', fn: '_<_', signatures: [sig(['A', 'A'], 'bool')] },
  le: { family: 'comparison', fn: '_<=_', signatures: [sig(['A', 'A'], 'bool')] },
  gt: { family: 'comparison', fn: '_>_', signatures: [sig(['A', 'A'], 'bool')] },
  ge: { family: 'comparison', fn: '_>=_', signatures: [sig(['A', 'A'], 'bool')] },
  lt_int_double: { family: 'comparison', fn: '_<_', signatures: [sig(['int', 'double'], 'bool')] },
  le_int_double: { family: 'comparison', fn: '_<=_', signatures: [sig(['int', 'double'], 'bool')] },
  gt_int_double: { family: 'comparison', fn: '_>_', signatures: [sig(['int', 'double'], 'bool')] },
  ge_int_double: { family: 'comparison', fn: '_>=_', signatures: [sig(['int', 'double'], 'bool')] },
  lt_double_int: { family: 'comparison', fn: '_<_', signatures: [sig(['double', 'int'], 'bool')] },
  le_double_int: { family: 'comparison', fn: '_<=_', signatures: [sig(['double', 'int'], 'bool')] },
  gt_double_int: { family: 'comparison', fn: '_>_', signatures: [sig(['double', 'int'], 'bool')] },
  ge_double_int: { family: 'comparison', fn: '_>=_', signatures: [sig(['double', 'int'], 'bool')] },
  // arithmetic
  add_int: { family: 'arithmetic', fn: '_+_', signatures: [sig(['int', 'int'], 'int')] },
  sub_int: { family: 'arithmetic', fn: '_-_', signatures: [sig(['int', 'int'], 'int')] },
  mul_int: { family: 'arithmetic', fn: '_*_', signatures: [sig(['int', 'int'], 'int')] },
  div_int: { family: 'arithmetic', fn: '_/_', signatures: [sig(['int', 'int'], 'int')] },
  mod_int: { family: 'arithmetic', fn: '_%_', signatures: [sig(['int', 'int'], 'int')] },
  neg_int: { family: 'arithmetic', fn: '-_', signatures: [sig(['int'], 'int')] },
  add_double: { family: 'arithmetic', fn: '_+_', signatures: [sig(['double', 'double'], 'double')] },
  sub_double: { family: 'arithmetic', fn: '_-_', signatures: [sig(['double', 'double'], 'double')] },
  mul_double: { family: 'arithmetic', fn: '_*_', signatures: [sig(['double', 'double'], 'double')] },
  div_double: { family: 'arithmetic', fn: '_/_', signatures: [sig(['double', 'double'], 'double')] },
  neg_double: { family: 'arithmetic', fn: '-_', signatures: [sig(['double'], 'double')] },
  // arithmetic on time: CEL's range errors outside int64 nanoseconds (durations) and years 1..9999
  add_timestamp_duration: {
    family: 'arithmetic',
    fn: '_+_',
    signatures: [sig(['timestamp', 'duration'], 'timestamp'), sig(['duration', 'timestamp'], 'timestamp')],
  },
  add_duration: { family: 'arithmetic', fn: '_+_', signatures: [sig(['duration', 'duration'], 'duration')] },
  sub_timestamp_duration: {
    family: 'arithmetic',
    fn: '_-_',
    signatures: [sig(['timestamp', 'duration'], 'timestamp')],
  },
  sub_timestamps: {
    family: 'arithmetic',
    fn: '_-_',
    signatures: [sig(['timestamp', 'timestamp'], 'duration')],
  },
  sub_duration: { family: 'arithmetic', fn: '_-_', signatures: [sig(['duration', 'duration'], 'duration')] },
  // strings
  add_string: { family: 'strings', fn: '_+_', signatures: [sig(['string', 'string'], 'string')] },
  contains: { family: 'strings', fn: 'contains', signatures: [method('string', ['string'], 'bool')] },
  startsWith: { family: 'strings', fn: 'startsWith', signatures: [method('string', ['string'], 'bool')] },
  endsWith: { family: 'strings', fn: 'endsWith', signatures: [method('string', ['string'], 'bool')] },
  matches: { family: 'strings', fn: 'matches', signatures: [method('string', ['string'], 'bool')] },
  charAt: { family: 'strings', fn: 'charAt', signatures: [method('string', ['int'], 'string')] },
  indexOf: {
    family: 'strings',
    fn: 'indexOf',
    signatures: [method('string', ['string'], 'int'), method('string', ['string', 'int'], 'int')],
  },
  lastIndexOf: {
    family: 'strings',
    fn: 'lastIndexOf',
    signatures: [method('string', ['string'], 'int'), method('string', ['string', 'int'], 'int')],
  },
  lowerAscii: { family: 'strings', fn: 'lowerAscii', signatures: [method('string', [], 'string')] },
  upperAscii: { family: 'strings', fn: 'upperAscii', signatures: [method('string', [], 'string')] },
  replace: {
    family: 'strings',
    fn: 'replace',
    signatures: [
      method('string', ['string', 'string'], 'string'),
      method('string', ['string', 'string', 'int'], 'string'),
    ],
  },
  split: {
    family: 'strings',
    fn: 'split',
    signatures: [
      method('string', ['string'], 'list(string)'),
      method('string', ['string', 'int'], 'list(string)'),
    ],
  },
  substring: {
    family: 'strings',
    fn: 'substring',
    signatures: [method('string', ['int'], 'string'), method('string', ['int', 'int'], 'string')],
  },
  trim: { family: 'strings', fn: 'trim', signatures: [method('string', [], 'string')] },
  join: {
    family: 'strings',
    fn: 'join',
    signatures: [method('list(string)', [], 'string'), method('list(string)', ['string'], 'string')],
  },
  size_string: {
    family: 'strings',
    fn: 'size',
    signatures: [sig(['string'], 'int'), method('string', [], 'int')],
  },
  // collections
  add_list: { family: 'collections', fn: '_+_', signatures: [sig(['list(A)', 'list(A)'], 'list(A)')] },
  in_list_strict: { family: 'collections', fn: '@in', signatures: [sig(['A', 'list(A)'], 'bool')] },
  in_list_generic: { family: 'collections', fn: '@in', signatures: [sig(['A', 'list(A)'], 'bool')] },
  in_map: { family: 'collections', fn: '@in', signatures: [sig(['string', 'map(string, A)'], 'bool')] },
  index_list: { family: 'collections', fn: '_[_]', signatures: [sig(['list(A)', 'int'], 'A')] },
  index_map: { family: 'collections', fn: '_[_]', signatures: [sig(['map(string, A)', 'string'], 'A')] },
  size_list: {
    family: 'collections',
    fn: 'size',
    signatures: [sig(['list(A)'], 'int'), method('list(A)', [], 'int')],
  },
  size_map: {
    family: 'collections',
    fn: 'size',
    signatures: [sig(['map(string, A)'], 'int'), method('map(string, A)', [], 'int')],
  },
  // conversions
  identity: {
    family: 'conversions',
    fn: ['int', 'double', 'string'],
    signatures: [sig(['int'], 'int'), sig(['double'], 'double'), sig(['string'], 'string')],
  },
  int_double: { family: 'conversions', fn: 'int', signatures: [sig(['double'], 'int')] },
  double_int: { family: 'conversions', fn: 'double', signatures: [sig(['int'], 'double')] },
  string_int: { family: 'conversions', fn: 'string', signatures: [sig(['int'], 'string')] },
  string_bool: { family: 'conversions', fn: 'string', signatures: [sig(['bool'], 'string')] },
  // Kubernetes: an IP or CIDR as its canonical text.
  string_network: {
    family: 'conversions',
    fn: 'string',
    signatures: [sig(['ip'], 'string'), sig(['cidr'], 'string')],
  },
  // time
  timestamp_string: { family: 'time', fn: 'timestamp', signatures: [sig(['string literal'], 'timestamp')] },
  timestamp_field: {
    family: 'time',
    fn: [
      'getFullYear',
      'getMonth',
      'getDayOfMonth',
      'getDate',
      'getDayOfWeek',
      'getDayOfYear',
      'getHours',
      'getMinutes',
      'getSeconds',
      'getMilliseconds',
    ],
    signatures: [method('timestamp', [], 'int'), method('timestamp', ['string'], 'int')],
  },
  duration_string: { family: 'time', fn: 'duration', signatures: [sig(['string'], 'duration')] },
  duration_field: {
    family: 'time',
    fn: ['getHours', 'getMinutes', 'getSeconds', 'getMilliseconds'],
    signatures: [method('duration', [], 'int')],
  },
  // network (Kubernetes' libraries): a literal argument is checked at check time
  url_string: { family: 'network', fn: 'url', signatures: [sig(['string'], 'url')] },
  url_field: {
    family: 'network',
    fn: ['getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath'],
    signatures: [method('url', [], 'string')],
  },
  url_query: {
    family: 'network',
    fn: 'getQuery',
    signatures: [method('url', [], 'map(string, list(string))')],
  },
  ip_string: { family: 'network', fn: 'ip', signatures: [sig(['string'], 'ip')] },
  cidr_string: { family: 'network', fn: 'cidr', signatures: [sig(['string'], 'cidr')] },
  is_network_value: {
    family: 'network',
    fn: ['isURL', 'isIP', 'isCIDR'],
    signatures: [sig(['string'], 'bool')],
  },
  ip_family: { family: 'network', fn: 'family', signatures: [method('ip', [], 'int')] },
  ip_predicate: {
    family: 'network',
    fn: ['isUnspecified', 'isLoopback', 'isLinkLocalMulticast', 'isLinkLocalUnicast', 'isGlobalUnicast'],
    signatures: [method('ip', [], 'bool')],
  },
  cidr_contains_ip: {
    family: 'network',
    fn: 'containsIP',
    signatures: [method('cidr', ['ip'], 'bool'), method('cidr', ['string'], 'bool')],
  },
  cidr_contains_cidr: {
    family: 'network',
    fn: 'containsCIDR',
    signatures: [method('cidr', ['cidr'], 'bool'), method('cidr', ['string'], 'bool')],
  },
  cidr_ip: { family: 'network', fn: 'ip', signatures: [method('cidr', [], 'ip')] },
  cidr_prefix_length: { family: 'network', fn: 'prefixLength', signatures: [method('cidr', [], 'int')] },
  cidr_masked: { family: 'network', fn: 'masked', signatures: [method('cidr', [], 'cidr')] },
} as const satisfies Readonly<Record<string, OverloadDeclaration>>;

/** The overload a call node resolved to (recorded by the checker, switched on by every stage). */
export type OverloadId = keyof typeof CEL_OVERLOADS;

/** The overloads of one family, e.g. `OverloadOf<'comparison'>`. */
export type OverloadOf<F extends CelFamily> = {
  [K in OverloadId]: (typeof CEL_OVERLOADS)[K]['family'] extends F ? K : never;
}[OverloadId];

/** The functions of one family, e.g. `FunctionOf<'strings'>`. */
export type FunctionOf<F extends CelFamily> = {
  [K in CelFunctionName]: (typeof CEL_FUNCTIONS)[K]['family'] extends F ? K : never;
}[CelFunctionName];

export type LogicOverload = OverloadOf<'logic'>;
export type ComparisonOverload = OverloadOf<'comparison'>;
export type ArithmeticOverload = OverloadOf<'arithmetic'>;
export type StringOverload = OverloadOf<'strings'>;
export type CollectionOverload = OverloadOf<'collections'>;
export type ConversionOverload = OverloadOf<'conversions'>;
export type TimeOverload = OverloadOf<'time'>;
export type NetworkOverload = OverloadOf<'network'>;

/** Whether a name is one of the declared functions. */
export function isCelFunction(name: string): name is CelFunctionName {
  return Object.hasOwn(CEL_FUNCTIONS, name);
}

/** The family of an overload. */
export function familyOf(id: OverloadId): CelFamily {
  return CEL_OVERLOADS[id].family;
}

/** Narrows an overload to its family's union (for the per-family switches). */
export function isOverloadOf<F extends CelFamily>(id: OverloadId, family: F): id is OverloadOf<F> {
  return CEL_OVERLOADS[id].family === family;
}

/**
 * Ends an exhaustive switch: the call only type-checks when every case was handled, so a new
 * overload is a compile error in every stage that forgot it.
 */
export function assertNever(value: never, what = 'overload'): never {
  throw new Error(`unhandled ${what} '${String(value)}'`);
}
