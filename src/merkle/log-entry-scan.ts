import { SERVICE_NAMES } from '../kernel/services.js';
import { WRITER_PATTERN, WRITER_PATTERN_SOURCE, WRITER_PROBLEM } from './log-entry.js';

// A one-pass check that entry text is a valid LogEntry in RFC 8785 canonical form, without building
// the value: the streaming verifier runs it on every entry. Its verdict must equal parseLogEntry's
// (JSON.parse, logEntryProblem, canonicalJson round trip); a differential property test holds it there.

const NOT_CANONICAL = 'entry is not canonical JSON';

// Everything after the payload in one sticky regex (V8 runs it in ~40 ns, a third of the hand-written
// checks below, which remain to name the problem when it fails).
const TAIL = new RegExp(
  `,"source":"(?:${SERVICE_NAMES.join('|')})","time":"\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])` +
    `T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d\\.\\d{3}Z","type":"[a-z][a-z0-9_-]*(?:\\.[a-z0-9_-]+)*"` +
    `(?:,"writer":"${WRITER_PATTERN_SOURCE}")?\\}$`,
  'y',
);

// Each scanner takes the text and a position and returns the position after the token, or -1.
// Positions live in locals and parameters (not module state) so the JIT keeps them in registers.

/**
 * Why `text` is not a canonical LogEntry, or undefined when it is one. Same verdict as
 * `parseLogEntry`, several times faster; the message may be less specific.
 */
export function scanLogEntry(text: string): string | undefined {
  let pos = expect(text, 0, '{"payload":');
  if (pos >= 0) pos = scanValue(text, pos);
  if (pos < 0) return NOT_CANONICAL;
  TAIL.lastIndex = pos;
  if (!TAIL.test(text)) return tailProblem(text, pos) ?? NOT_CANONICAL;
  // TAIL fixed the shapes; what is left is the day of the month and the type's length.
  const timeAt = text.indexOf('"', pos + 11) + 10;
  const typeLength = text.indexOf('"', timeAt + 34) - (timeAt + 34);
  if (!isTime(text, timeAt)) return 'time must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ';
  return typeLength <= 128 ? undefined : 'type must be a lower-case dotted name of at most 128 characters';
}

// The members after payload, checked field by field to name the problem: the slow path, taken only
// when TAIL does not match.
function tailProblem(text: string, start: number): string | undefined {
  let pos = expect(text, start, ',"source":"');
  if (pos < 0) return NOT_CANONICAL;
  let source: string | undefined;
  for (const name of SERVICE_NAMES) {
    if (text.charCodeAt(pos + name.length) === 0x22 && expect(text, pos, name) >= 0) {
      source = name;
      break;
    }
  }
  if (source === undefined)
    return plainString(text, pos - 1) ? 'source must be a service name' : NOT_CANONICAL;
  pos = expect(text, pos + source.length + 1, ',"time":"');
  if (pos < 0) return NOT_CANONICAL;
  if (!isTime(text, pos) || text.charCodeAt(pos + 24) !== 0x22) {
    return plainString(text, pos - 1)
      ? 'time must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ'
      : NOT_CANONICAL;
  }
  pos = expect(text, pos + 25, ',"type":"');
  if (pos < 0) return NOT_CANONICAL;
  const typeEnd = scanType(text, pos);
  if (typeEnd < 0 || typeEnd - pos > 128 || text.charCodeAt(typeEnd) !== 0x22) {
    return plainString(text, pos - 1)
      ? 'type must be a lower-case dotted name of at most 128 characters'
      : NOT_CANONICAL;
  }
  if (typeEnd + 2 === text.length && text.charCodeAt(typeEnd + 1) === 0x7d) return undefined;
  pos = expect(text, typeEnd + 1, ',"writer":"');
  if (pos < 0) return NOT_CANONICAL;
  const writerEnd = text.indexOf('"', pos);
  if (writerEnd + 2 !== text.length || text.charCodeAt(writerEnd + 1) !== 0x7d) return NOT_CANONICAL;
  return WRITER_PATTERN.test(text.slice(pos, writerEnd)) ? undefined : WRITER_PROBLEM;
}

// True when a canonical string token starts at `pos` (used only to choose an error message).
function plainString(src: string, pos: number): boolean {
  return src.charCodeAt(pos) === 0x22 && scanString(src, pos) > 0;
}

function isLowerOrDigit(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}

// [a-z][a-z0-9_-]*(\.[a-z0-9_-]+)* starting at `pos`; returns the end, or -1.
function scanType(src: string, start: number): number {
  const first = src.charCodeAt(start);
  if (!(first >= 0x61 && first <= 0x7a)) return -1;
  let pos = start + 1;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (isLowerOrDigit(c)) pos++;
    else if (c === 0x2e && isLowerOrDigit(src.charCodeAt(pos + 1))) pos += 2;
    else return pos;
  }
}

// String#startsWith with a position is a slow path in V8 (~30 ns); a charCodeAt loop is several
// times faster on these short literals.
function expect(src: string, pos: number, literal: string): number {
  const length = literal.length;
  for (let i = 0; i < length; i++) if (src.charCodeAt(pos + i) !== literal.charCodeAt(i)) return -1;
  return pos + length;
}

/**
 * One JSON value of any nesting depth. Containers are tracked on an explicit stack, not by
 * recursion, so a payload nested thousands of levels deep (entries written before the log limited
 * depth at append) is scanned like any other instead of overflowing the call stack.
 */
function scanValue(src: string, start: number): number {
  let pos = start;
  // Open containers: 0x5b (array) or 0x7b (object); objects also keep their last key's token bounds.
  let kinds: number[] | undefined;
  let keys: number[] | undefined;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x7b || c === 0x5b) {
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (src.charCodeAt(pos + 1) === close) {
        pos += 2;
      } else {
        kinds ??= [];
        kinds.push(c);
        if (c === 0x7b) {
          keys ??= [];
          keys.push(-1, -1);
          pos = scanKey(src, pos + 1, keys);
          if (pos < 0) return -1;
        } else {
          pos += 1;
        }
        continue;
      }
    } else {
      pos = scanScalar(src, pos, c);
      if (pos < 0) return -1;
    }
    // A value is complete: close what it completes, or move to the container's next value.
    for (;;) {
      if (kinds === undefined || kinds.length === 0) return pos;
      const kind = kinds[kinds.length - 1];
      const next = src.charCodeAt(pos++);
      if (next === (kind === 0x7b ? 0x7d : 0x5d)) {
        kinds.pop();
        if (kind === 0x7b) keys!.length -= 2;
        continue;
      }
      if (next !== 0x2c) return -1;
      if (kind === 0x7b) {
        pos = scanKey(src, pos, keys!);
        if (pos < 0) return -1;
      }
      break;
    }
  }
}

function scanScalar(src: string, pos: number, c: number): number {
  switch (c) {
    case 0x22:
      return scanString(src, pos);
    case 0x74:
      return expect(src, pos, 'true');
    case 0x66:
      return expect(src, pos, 'false');
    case 0x6e:
      return expect(src, pos, 'null');
    default:
      return scanNumber(src, pos);
  }
}

// An object member's key and colon at `pos`; keys sorted by UTF-16 code units, strictly, so
// duplicates fail too (`keys` ends with the previous key's token bounds, -1 for none). Keys
// without escapes (nearly all) are compared in place, without slicing. Returns the value's position.
function scanKey(src: string, pos: number, keys: number[]): number {
  if (src.charCodeAt(pos) !== 0x22) return -1;
  const end = scanString(src, pos);
  if (end < 0) return -1;
  const at = keys.length - 2;
  const prevStart = keys[at]!;
  if (prevStart >= 0 && compareKeys(src, prevStart + 1, keys[at + 1]! - 1, pos + 1, end - 1) >= 0) return -1;
  keys[at] = pos;
  keys[at + 1] = end;
  return src.charCodeAt(end) === 0x3a ? end + 1 : -1;
}

// A string exactly as JSON.stringify writes it: only \" \\ \b \f \n \r \t and \u00xx (lower-case,
// for the other control characters) escapes, no raw control character, no lone surrogate.
function scanString(src: string, start: number): number {
  let pos = start + 1;
  const length = src.length;
  while (pos < length) {
    const c = src.charCodeAt(pos);
    // Lower-case letters and most of the BMP need no further look.
    if (c > 0x5c && c < 0xd800) {
      pos++;
      continue;
    }
    if (c === 0x22) return pos + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = src.charCodeAt(pos + 1);
      if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        pos += 2;
        continue;
      }
      if (e !== 0x75 || src.charCodeAt(pos + 2) !== 0x30 || src.charCodeAt(pos + 3) !== 0x30) return -1;
      const hi = src.charCodeAt(pos + 4);
      const lo = src.charCodeAt(pos + 5);
      const loValue = lo >= 0x30 && lo <= 0x39 ? lo - 0x30 : lo >= 0x61 && lo <= 0x66 ? lo - 0x61 + 10 : -1;
      if ((hi !== 0x30 && hi !== 0x31) || loValue < 0) return -1;
      const code = (hi - 0x30) * 16 + loValue;
      if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
      pos += 6;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = src.charCodeAt(pos + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      pos += 2;
      continue;
    }
    pos++;
  }
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// A JSON number token that is exactly ECMAScript's shortest form of a finite number.
function scanNumber(src: string, start: number): number {
  let pos = start;
  if (src.charCodeAt(pos) === 0x2d) pos++;
  const first = src.charCodeAt(pos);
  if (first === 0x30) pos++;
  else if (first >= 0x31 && first <= 0x39) while (isDigit(src.charCodeAt(pos))) pos++;
  else return -1;
  const fraction = src.charCodeAt(pos) === 0x2e;
  if (fraction) {
    pos++;
    if (!isDigit(src.charCodeAt(pos))) return -1;
    while (isDigit(src.charCodeAt(pos))) pos++;
  }
  const e = src.charCodeAt(pos);
  const exponent = e === 0x65 || e === 0x45;
  if (exponent) {
    pos++;
    const sign = src.charCodeAt(pos);
    if (sign === 0x2b || sign === 0x2d) pos++;
    if (!isDigit(src.charCodeAt(pos))) return -1;
    while (isDigit(src.charCodeAt(pos))) pos++;
  }
  // Integers of up to 15 digits (no fraction, no exponent, not -0) are always in shortest form.
  if (pos - start <= 15 && !(fraction || exponent) && !(src.charCodeAt(start) === 0x2d && first === 0x30))
    return pos;
  const token = src.slice(start, pos);
  const value = Number(token);
  return Number.isFinite(value) && String(value) === token ? pos : -1;
}

// Order of two keys (raw token contents) by their decoded UTF-16 code units, in place: up to the first
// escape, raw and decoded text agree, so only keys that differ at or after an escape are decoded. When
// one raw key is a prefix of the other (no escape in it), its decoded form is a prefix too.
function compareKeys(src: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const x = src.charCodeAt(a + i);
    const y = src.charCodeAt(b + i);
    if (x === 0x5c || y === 0x5c)
      return compareDecoded(src.slice(a - 1, aEnd + 1), src.slice(b - 1, bEnd + 1));
    if (x !== y) return x - y;
  }
  return aEnd - a - (bEnd - b);
}

function compareDecoded(a: string, b: string): number {
  const x = JSON.parse(a) as string;
  const y = JSON.parse(b) as string;
  return x < y ? -1 : x === y ? 0 : 1;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const d = text.charCodeAt(at + i) - 0x30;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

// YYYY-MM-DDTHH:MM:SS.sssZ at `at`, naming a real instant: the same verdict as the Date round trip
// in log-entry.ts, without a regex, a slice or a Date.
function isTime(text: string, at: number): boolean {
  if (
    text.charCodeAt(at + 4) !== 0x2d ||
    text.charCodeAt(at + 7) !== 0x2d ||
    text.charCodeAt(at + 10) !== 0x54 ||
    text.charCodeAt(at + 13) !== 0x3a ||
    text.charCodeAt(at + 16) !== 0x3a ||
    text.charCodeAt(at + 19) !== 0x2e ||
    text.charCodeAt(at + 23) !== 0x5a ||
    Number.isNaN(digits(text, at + 20, 3))
  ) {
    return false;
  }
  const year = digits(text, at, 4);
  const month = digits(text, at + 5, 2);
  const day = digits(text, at + 8, 2);
  if (Number.isNaN(year) || !(month >= 1 && month <= 12) || !(day >= 1)) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
  return (
    day <= days &&
    digits(text, at + 11, 2) <= 23 &&
    digits(text, at + 14, 2) <= 59 &&
    digits(text, at + 17, 2) <= 59
  );
}
