import { canonicalJson } from '../../../kernel/canonical-json.js';
import type { LogAppendOptions, LogAppendRequest } from '../../../kernel/contracts/integrity.js';
import { commonErrors } from '../../../kernel/errors.js';
import {
  type JsonValue,
  logEntryProblem,
  MAX_PAYLOAD_DEPTH,
  merkleErrors,
  nestsDeeperThan,
  toHex,
} from '../../../merkle/index.js';
import { integrityErrors } from '../errors.js';
import type { LogDeps } from '../log-deps.js';

/** Largest entry the log accepts at append, in UTF-16 code units of its canonical text (~1 MiB). */
export const MAX_ENTRY_LENGTH = 1_048_576;

/** Who hands an entry to the log, and how far its own clock is trusted. */
export interface EntryWriter {
  /**
   * The writer the entry records (docs/log-format.md §1): `svc-<service>` for a service's
   * credential or an in-process call from that service, `bus` for the event intake.
   */
  readonly writer: string;
  /**
   * When set, a `time` from the request is kept only within this many ms of the log's clock
   * (400 LOG_TIME_OUT_OF_RANGE otherwise): callers over HTTP cannot back-date entries.
   */
  readonly maxClockSkewMs?: number;
}

export interface AppendOutcome {
  readonly index: number;
  readonly leafHash: string;
  /** False when the key was already logged: the receipt is the first append's. */
  readonly fresh: boolean;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

// logEntryProblem names the member first ("time must be …") or gives a JSON pointer into the payload.
function pointerOf(problem: string): string {
  const inPayload = /^(\/payload[^:]*):/.exec(problem);
  if (inPayload) return `/body${inPayload[1]}`;
  const member = /^(type|time|source|payload|writer)\b/.exec(problem);
  return member ? `/body/${member[1]}` : '/body';
}

/**
 * Encodes the entry canonically (RFC 8785; LOG_ENTRY_MALFORMED when it is not a valid entry) and
 * appends it; resolves once it is durable.
 */
export async function appendEntry(
  deps: LogDeps,
  request: LogAppendRequest,
  by: EntryWriter,
  options: LogAppendOptions = {},
): Promise<AppendOutcome> {
  if (request.key !== undefined && !KEY_PATTERN.test(request.key)) {
    throw commonErrors.create('VALIDATION_FAILED', 'key must be 1–200 printable ASCII characters', {
      errors: [{ pointer: '/body/key', detail: 'must be 1–200 printable ASCII characters' }],
    });
  }
  if (nestsDeeperThan(request.payload, MAX_PAYLOAD_DEPTH)) {
    throw integrityErrors.create(
      'LOG_ENTRY_TOO_DEEP',
      `the payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`,
      {
        errors: [
          {
            pointer: '/body/payload',
            detail: `must nest at most ${MAX_PAYLOAD_DEPTH} arrays or objects deep`,
          },
        ],
      },
    );
  }
  const now = deps.clock.now();
  if (request.time !== undefined && by.maxClockSkewMs !== undefined) {
    const claimed = Date.parse(request.time);
    if (Number.isFinite(claimed) && Math.abs(claimed - now) > by.maxClockSkewMs) {
      const detail = `must be within ${by.maxClockSkewMs} ms of the log's clock (${new Date(now).toISOString()}); omit it and the log sets it`;
      throw integrityErrors.create('LOG_TIME_OUT_OF_RANGE', `time ${detail}`, {
        errors: [{ pointer: '/body/time', detail }],
      });
    }
  }
  const candidate = {
    type: request.type,
    time: request.time ?? new Date(now).toISOString(),
    source: request.source,
    payload: request.payload as JsonValue,
    writer: by.writer,
  };
  const problem = logEntryProblem(candidate);
  if (problem !== undefined) {
    throw merkleErrors.create('LOG_ENTRY_MALFORMED', problem, {
      errors: [{ pointer: pointerOf(problem), detail: problem }],
    });
  }
  // Checked above: encode without encodeLogEntry's second walk over the payload.
  const entry = canonicalJson(candidate);
  if (entry.length > MAX_ENTRY_LENGTH) {
    throw integrityErrors.create(
      'LOG_ENTRY_TOO_LARGE',
      `the entry is ${entry.length} characters; at most ${MAX_ENTRY_LENGTH}`,
      {
        errors: [
          {
            pointer: '/body/payload',
            detail: `the encoded entry must be at most ${MAX_ENTRY_LENGTH} characters`,
          },
        ],
      },
    );
  }
  const result = await deps.sequencer.append(entry, request.key ?? null, options);
  return { index: result.index, leafHash: toHex(result.leafHash), fresh: result.fresh };
}
