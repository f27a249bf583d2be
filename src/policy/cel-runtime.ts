/**
 * Run-time support for compiled conditions. Values: `int` is a JS number when it is a safe
 * integer and a bigint otherwise (always normalized, so `===` is value equality); `double` a
 * number; `timestamp` a bigint of nanoseconds since the epoch; lists arrays; maps and records
 * plain objects. Every helper mirrors the overload of @bufbuild/cel it replaces.
 */

/** A CEL evaluation error. Deliberately not an `Error`: no stack capture on the hot path. */
export class EvalFailure {
  constructor(readonly message: string) {}
}

export function fail(message: string): never {
  throw new EvalFailure(message);
}

export function failureMessage(e: unknown): string {
  if (e instanceof EvalFailure) return e.message;
  if (e instanceof RangeError) return `evaluation aborted: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export type IntValue = number | bigint;

const MAX_INT = 9223372036854775807n;
const MIN_INT = -9223372036854775808n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Brings an int64 bigint into canonical form, or fails with CEL's overflow error. */
export function normalizeInt(b: bigint, op: string): IntValue {
  if (b >= -MAX_SAFE && b <= MAX_SAFE) return Number(b);
  if (b > MAX_INT || b < MIN_INT) fail(`int overflow during ${op}`);
  return b;
}

/** Canonical form of a bigint literal (the parser gives every int literal as bigint). */
export function intLiteral(b: bigint): IntValue {
  return normalizeInt(b, 'literal');
}

export function addInt(a: IntValue, b: IntValue): IntValue {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return normalizeInt(BigInt(a) + BigInt(b), '_+_');
}

export function subInt(a: IntValue, b: IntValue): IntValue {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return normalizeInt(BigInt(a) - BigInt(b), '_-_');
}

export function mulInt(a: IntValue, b: IntValue): IntValue {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return normalizeInt(BigInt(a) * BigInt(b), '_*_');
}

export function divInt(a: IntValue, b: IntValue): IntValue {
  if (b === 0) fail('int divide by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    // a - a % b is an exact multiple of b, so the float division is exact; % truncates like CEL.
    const r = (a - (a % b)) / b;
    return r === 0 ? 0 : r;
  }
  return normalizeInt(BigInt(a) / BigInt(b), `divide by ${b}`);
}

export function modInt(a: IntValue, b: IntValue): IntValue {
  if (b === 0) fail('int modulus by zero');
  // The remainder is 0, but the division it comes from overflows: cel-go reports the overflow.
  if (a === MIN_INT && b === -1) fail('int64 overflow in _%_');
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return normalizeInt(BigInt(a) % BigInt(b), '_%_');
}

export function negInt(a: IntValue): IntValue {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return normalizeInt(-a, 'type conversion');
}

export function intToDouble(a: IntValue): number {
  return typeof a === 'number' ? a + 0 : Number(a);
}

const MIN_INT_D = Number(MIN_INT);
const MAX_INT_D = Number(MAX_INT);

/** `int(double)`: truncates; fails outside the int64 range (as @bufbuild/cel's safeInt). */
export function doubleToInt(d: number): IntValue {
  if (Number.isFinite(d) && d > MIN_INT_D && d < MAX_INT_D) {
    const t = Math.trunc(d);
    return Number.isSafeInteger(t) ? t + 0 : normalizeInt(BigInt(t), 'type conversion');
  }
  return fail('int overflow during type conversion');
}

/** CEL `size(string)`: Unicode code points (what `[...s].length` counts). */
export function stringSize(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** int (number|bigint) against double: exact mathematical equality, as CEL's numeric equality. */
export function numericEquals(a: unknown, b: unknown): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: number/bigint loose equality is exact
  return a == b;
}

/** Heterogeneous CEL equality for values whose static type is not a scalar. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint'))
    return numericEquals(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!celEquals(a[i], b[i])) return false;
    return true;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const ka = Object.keys(ra);
    if (ka.length !== Object.keys(rb).length) return false;
    for (const k of ka) {
      if (!Object.hasOwn(rb, k) || !celEquals(ra[k], rb[k])) return false;
    }
    return true;
  }
  return false;
}

const RFC3339 =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:Z|([+-][0-9][0-9]:[0-9][0-9]))$/;
const MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59Z');

/**
 * RFC 3339 → nanoseconds since the epoch, with the same grammar and range as protobuf's JSON
 * Timestamp. Strict, as RFC 3339 and cel-go are: a day the month does not have (2024-02-30,
 * 2023-02-29), hour 24, minute or second 60 (no leap seconds) and offsets beyond ±23:59 are
 * refused rather than shifted into the next day.
 */
export function parseTimestamp(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[8] !== undefined && (Number(m[8].slice(1, 3)) > 23 || Number(m[8].slice(4, 6)) > 59))
    return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8] ?? 'Z'}`);
  if (Number.isNaN(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return BigInt(ms / 1000) * 1_000_000_000n + BigInt(nanos);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Timestamps in a request arrive as strings; conditions see them as nanoseconds. */
export function timestampValue(v: unknown): bigint {
  const t = typeof v === 'string' ? parseTimestamp(v) : undefined;
  return t ?? fail(`invalid timestamp ${String(v)}`);
}

/** The timestamp accessors of CEL's standard definitions. */
export const TIMESTAMP_FIELDS: ReadonlySet<string> = new Set([
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
]);
export type TimestampField =
  | 'getFullYear'
  | 'getMonth'
  | 'getDayOfMonth'
  | 'getDate'
  | 'getDayOfWeek'
  | 'getDayOfYear'
  | 'getHours'
  | 'getMinutes'
  | 'getSeconds'
  | 'getMilliseconds';

const OFFSET = /^([+-])([0-9]{2}):([0-9]{2})$/;
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(zone: string): Intl.DateTimeFormat | undefined {
  let format = zoneFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return undefined;
    }
    if (zoneFormats.size < 1000) zoneFormats.set(zone, format);
  }
  return format;
}

/** Whether `zone` is a time zone CEL's accessors take: an IANA name (or UTC) or a ±HH:MM offset. */
export function isTimeZone(zone: string): boolean {
  const offset = OFFSET.exec(zone);
  if (offset !== null) return Number(offset[2]) <= 23 && Number(offset[3]) <= 59;
  return zoneFormat(zone) !== undefined;
}

/**
 * `t.getHours(tz)` and its kin: the calendar field of the instant `ns` (nanoseconds since the
 * epoch) in UTC, or in the time zone `zone` (an IANA name such as 'Europe/Paris', or ±HH:MM).
 */
export function timestampField(ns: bigint, field: TimestampField, zone: string | undefined): number {
  const msTotal = ns >= 0n ? ns / 1_000_000n : -((-ns + 999_999n) / 1_000_000n);
  if (field === 'getMilliseconds')
    return (Number(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n) / 1e6) | 0;
  let ms = Number(msTotal);
  let parts: { year: number; month: number; day: number; hour: number; minute: number; second: number };
  const offset = zone === undefined ? null : OFFSET.exec(zone);
  if (zone === undefined || offset !== null) {
    if (offset) ms += (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
    const d = new Date(ms);
    parts = {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  } else {
    const format = zoneFormat(zone) ?? fail(`unknown time zone '${zone}'`);
    const got: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(ms))) {
      if (part.type !== 'literal' && part.type !== 'era') got[part.type] = Number(part.value);
    }
    parts = {
      year: got.year!,
      month: got.month!,
      day: got.day!,
      hour: got.hour!,
      minute: got.minute!,
      second: got.second!,
    };
  }
  // setUTCFullYear, not Date.UTC: that one reads years 0–99 as 1900–1999.
  const civil = new Date(0).setUTCFullYear(parts.year, parts.month - 1, parts.day);
  switch (field) {
    case 'getFullYear':
      return parts.year;
    case 'getMonth':
      return parts.month - 1;
    case 'getDayOfMonth':
      return parts.day - 1;
    case 'getDate':
      return parts.day;
    case 'getDayOfWeek':
      return new Date(civil).getUTCDay();
    case 'getDayOfYear':
      return Math.round((civil - new Date(0).setUTCFullYear(parts.year, 0, 1)) / 86_400_000);
    case 'getHours':
      return parts.hour;
    case 'getMinutes':
      return parts.minute;
    default:
      return parts.second;
  }
}

const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const DURATION_TEXT = /^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const DURATION_PART = /([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * A duration as CEL (cel-go, Go's `time.ParseDuration`) spells it, `'1h30m'`, `'-1.5s'`, `'300ms'`,
 * → nanoseconds. Strict: a unit after every number (only a bare `0` goes without), no spaces, no
 * empty string, and the int64 nanosecond range of cel-go's durations (about ±292 years).
 */
export function parseDuration(text: string): bigint | undefined {
  if (text.length > 128 || !DURATION_TEXT.test(text)) return undefined;
  const negative = text.startsWith('-');
  let total = 0n;
  for (const [, whole, fraction, unit] of text.matchAll(DURATION_PART)) {
    const scale = DURATION_UNITS[unit!]!;
    total += BigInt(whole || '0') * scale;
    if (fraction) total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    if (total > MAX_INT + (negative ? 1n : 0n)) return undefined;
  }
  return negative ? (total === 0n ? 0n : -total) : total;
}

/** A duration result: CEL's range error outside int64 nanoseconds. */
export function durationInRange(ns: bigint): bigint {
  if (ns > MAX_INT || ns < MIN_INT) fail('duration out of range');
  return ns;
}

const MIN_TIMESTAMP_NS = BigInt(MIN_MS) * 1_000_000n;
const MAX_TIMESTAMP_NS = BigInt(MAX_MS) * 1_000_000n + 999_999_999n;

/** A timestamp result: CEL's range error outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z. */
export function timestampInRange(ns: bigint): bigint {
  if (ns < MIN_TIMESTAMP_NS || ns > MAX_TIMESTAMP_NS) fail('timestamp out of range');
  return ns;
}

/** The accessors of a duration (CEL's standard definitions). */
export type DurationField = 'getHours' | 'getMinutes' | 'getSeconds' | 'getMilliseconds';
export const DURATION_FIELDS: ReadonlySet<string> = new Set<DurationField>([
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]);

/**
 * `d.getHours()` and its kin: the whole duration in hours, minutes or seconds (truncated towards
 * zero), and `getMilliseconds()` the milliseconds of its sub-second part, as cel-go answers.
 */
export function durationField(ns: bigint, field: DurationField): IntValue {
  switch (field) {
    case 'getHours':
      return intLiteral(ns / 3_600_000_000_000n);
    case 'getMinutes':
      return intLiteral(ns / 60_000_000_000n);
    case 'getSeconds':
      return intLiteral(ns / 1_000_000_000n);
    default:
      return intLiteral((ns % 1_000_000_000n) / 1_000_000n);
  }
}
