import { canonicalJson } from '../kernel/canonical-json.js';
import { isServiceName, type ServiceName } from '../kernel/services.js';
import { merkleErrors } from './errors.js';
import { type Hash, hashLeaf } from './hash-rfc6962.js';

/** Any JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * One leaf of the log. Its bytes are the UTF-8 of its RFC 8785 canonical JSON: `payload` (any
 * JSON), `source` (the emitting service), `time` (`YYYY-MM-DDTHH:MM:SS.sssZ`, as
 * Date#toISOString, the log's clock), `type` (lower-case dotted name, e.g. `policy.decision`) and,
 * from format version 2 on, `writer` (who handed the entry to the log, set by the log from the
 * authenticated caller: `svc-pgc`, `bus`). Version 1 entries (no `writer`) stay valid.
 */
export interface LogEntry {
  readonly type: string;
  readonly time: string;
  readonly source: ServiceName;
  readonly payload: JsonValue;
  readonly writer?: string;
}

/** A writer: 1–128 of lower-case letters, digits and `. _ : -`, starting with a letter or digit. */
export const WRITER_PATTERN_SOURCE = '[a-z0-9][a-z0-9._:-]{0,127}';
export const WRITER_PATTERN = new RegExp(`^${WRITER_PATTERN_SOURCE}$`);
export const WRITER_PROBLEM = 'writer must be 1–128 lower-case letters, digits, ".", "_", ":" or "-"';

/** Deepest payload nesting the log accepts at append (docs/log-format.md §1); readers handle any depth. */
export const MAX_PAYLOAD_DEPTH = 64;

export { nestsDeeperThan } from '../kernel/json-depth.js';

const TYPE_PATTERN = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/;
const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_TYPE_LENGTH = 128;

/** Why `value` is not a LogEntry, or undefined when it is one. */
export function logEntryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'entry must be a JSON object';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const hasWriter = 'writer' in record;
  if (
    keys.length !== (hasWriter ? 5 : 4) ||
    !('payload' in record) ||
    !('source' in record) ||
    !('time' in record) ||
    !('type' in record)
  ) {
    return 'entry must have exactly the members type, time, source, payload and optionally writer';
  }
  const { type, time, source, payload, writer } = record;
  if (typeof type !== 'string' || type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    return 'type must be a lower-case dotted name of at most 128 characters';
  }
  if (typeof time !== 'string' || !TIME_PATTERN.test(time) || !isRealTime(time)) {
    return 'time must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ';
  }
  if (typeof source !== 'string' || !isServiceName(source)) return 'source must be a service name';
  if (hasWriter && (typeof writer !== 'string' || !WRITER_PATTERN.test(writer))) return WRITER_PROBLEM;
  return jsonProblem(payload, '/payload');
}

// Rejects 2026-02-30 and the like: the timestamp must round-trip through Date.
function isRealTime(time: string): boolean {
  const ms = Date.parse(time);
  return Number.isFinite(ms) && new Date(ms).toISOString() === time;
}

// Walks with an explicit stack (depth-first, in member order; an object's keys are checked before
// its values): entries of any depth are checked without overflowing the call stack.
function jsonProblem(root: unknown, rootPath: string): string | undefined {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    switch (typeof value) {
      case 'boolean':
        break;
      case 'number':
        if (!Number.isFinite(value)) return `${path}: number must be finite`;
        break;
      case 'string':
        if (LONE_SURROGATE.test(value)) return `${path}: string has a lone surrogate`;
        break;
      case 'object': {
        if (value === null) break;
        if (Array.isArray(value)) {
          for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}/${i}`]);
          break;
        }
        const entries = Object.entries(value);
        for (const [key] of entries) if (LONE_SURROGATE.test(key)) return `${path}: key has a lone surrogate`;
        for (let i = entries.length - 1; i >= 0; i--)
          stack.push([entries[i]![1], `${path}/${entries[i]![0]}`]);
        break;
      }
      default:
        return `${path}: ${typeof value} is not JSON`;
    }
  }
  return undefined;
}

/** The entry's leaf bytes as text: its canonical JSON. Throws LOG_ENTRY_MALFORMED for an invalid entry. */
export function encodeLogEntry(entry: LogEntry): string {
  const problem = logEntryProblem(entry);
  if (problem !== undefined) throw merkleErrors.create('LOG_ENTRY_MALFORMED', problem);
  return canonicalJson(entry);
}

/**
 * Parses stored or exported entry text; throws LOG_ENTRY_MALFORMED unless it is valid JSON, a valid
 * entry, and byte-for-byte its own canonical form (so one entry has exactly one leaf hash).
 */
export function parseLogEntry(text: string): LogEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw merkleErrors.create('LOG_ENTRY_MALFORMED', 'entry is not JSON', { cause });
  }
  const problem = logEntryProblem(value);
  if (problem !== undefined) throw merkleErrors.create('LOG_ENTRY_MALFORMED', problem);
  if (canonicalJson(value) !== text)
    throw merkleErrors.create('LOG_ENTRY_MALFORMED', 'entry is not canonical JSON');
  return value as LogEntry;
}

/** Leaf hash of an entry's canonical text: SHA-256(0x00 ‖ UTF-8 bytes). */
export function logEntryLeafHash(entryText: string): Hash {
  return hashLeaf(entryText);
}
