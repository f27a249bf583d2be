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
 * One leaf of the log. Its bytes are the UTF-8 of its RFC 8785 canonical JSON, exactly four members:
 * `payload` (any JSON), `source` (the emitting service), `time` (`YYYY-MM-DDTHH:MM:SS.sssZ`, as
 * Date#toISOString) and `type` (lower-case dotted name, e.g. `policy.decision`).
 */
export interface LogEntry {
  readonly type: string;
  readonly time: string;
  readonly source: ServiceName;
  readonly payload: JsonValue;
}

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
  if (
    keys.length !== 4 ||
    !('payload' in record) ||
    !('source' in record) ||
    !('time' in record) ||
    !('type' in record)
  ) {
    return 'entry must have exactly the members type, time, source and payload';
  }
  const { type, time, source, payload } = record;
  if (typeof type !== 'string' || type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    return 'type must be a lower-case dotted name of at most 128 characters';
  }
  if (typeof time !== 'string' || !TIME_PATTERN.test(time) || !isRealTime(time)) {
    return 'time must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.sssZ';
  }
  if (typeof source !== 'string' || !isServiceName(source)) return 'source must be a service name';
  return jsonProblem(payload, '/payload');
}

// Rejects 2026-02-30 and the like: the timestamp must round-trip through Date.
function isRealTime(time: string): boolean {
  const ms = Date.parse(time);
  return Number.isFinite(ms) && new Date(ms).toISOString() === time;
}

function jsonProblem(value: unknown, path: string): string | undefined {
  switch (typeof value) {
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: number must be finite`;
    case 'string':
      return LONE_SURROGATE.test(value) ? `${path}: string has a lone surrogate` : undefined;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = jsonProblem(value[i], `${path}/${i}`);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      for (const [key, member] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return `${path}: key has a lone surrogate`;
        const problem = jsonProblem(member, `${path}/${key}`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return `${path}: ${typeof value} is not JSON`;
  }
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
