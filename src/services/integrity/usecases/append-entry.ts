import { canonicalJson } from '../../../kernel/canonical-json.js';
import type { LogAppendOptions, LogAppendRequest } from '../../../kernel/contracts/integrity.js';
import { commonErrors } from '../../../kernel/errors.js';
import { type JsonValue, logEntryProblem, merkleErrors, toHex } from '../../../merkle/index.js';
import type { LogDeps } from '../log-deps.js';

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
  const member = /^(type|time|source|payload)\b/.exec(problem);
  return member ? `/body/${member[1]}` : '/body';
}

/**
 * Encodes the entry canonically (RFC 8785; LOG_ENTRY_MALFORMED when it is not a valid entry) and
 * appends it; resolves once it is durable.
 */
export async function appendEntry(
  deps: LogDeps,
  request: LogAppendRequest,
  options: LogAppendOptions = {},
): Promise<AppendOutcome> {
  if (request.key !== undefined && !KEY_PATTERN.test(request.key)) {
    throw commonErrors.create('VALIDATION_FAILED', 'key must be 1–200 printable ASCII characters', {
      errors: [{ pointer: '/body/key', detail: 'must be 1–200 printable ASCII characters' }],
    });
  }
  const candidate = {
    type: request.type,
    time: request.time ?? new Date(deps.clock.now()).toISOString(),
    source: request.source,
    payload: request.payload as JsonValue,
  };
  const problem = logEntryProblem(candidate);
  if (problem !== undefined) {
    throw merkleErrors.create('LOG_ENTRY_MALFORMED', problem, {
      errors: [{ pointer: pointerOf(problem), detail: problem }],
    });
  }
  // Checked above: encode without encodeLogEntry's second walk over the payload.
  const entry = canonicalJson(candidate);
  const result = await deps.sequencer.append(entry, request.key ?? null, options);
  return { index: result.index, leafHash: toHex(result.leafHash), fresh: result.fresh };
}
