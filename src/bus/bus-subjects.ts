import { busErrors } from './errors.js';

const TOKEN = /^[^.\s*>]+$/;

/** Throws `BUS_SUBJECT_INVALID` unless `subject` is a concrete dotted subject (no wildcards). */
export function assertEventSubject(subject: string): void {
  if (!subject.split('.').every((token) => TOKEN.test(token))) {
    throw busErrors.create('BUS_SUBJECT_INVALID', `"${subject}" is not a valid event subject`, {
      details: { subject },
    });
  }
}

/** Throws `BUS_SUBJECT_INVALID` unless `filter` is a valid filter (`*` tokens, a trailing `>`). */
export function assertSubjectFilter(filter: string): void {
  const tokens = filter.split('.');
  const valid = tokens.every(
    (token, i) => TOKEN.test(token) || token === '*' || (token === '>' && i === tokens.length - 1),
  );
  // Event subjects are `acgs.<source>.<type>`: a filter rooted elsewhere could never match.
  if (!valid || !['acgs', '*', '>'].includes(tokens[0]!)) {
    throw busErrors.create('BUS_SUBJECT_INVALID', `"${filter}" is not a valid subject filter`, {
      details: { filter },
    });
  }
}

/** Durable names become table keys and NATS consumer names: keep them to a safe alphabet. */
export function assertDurableName(durable: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(durable)) {
    throw busErrors.create(
      'BUS_OPTIONS_INVALID',
      `Durable name "${durable}" must be 1–64 letters, digits, "_" or "-"`,
      { details: { durable } },
    );
  }
}

/** Back-off before redelivering a message whose handler threw: 100 ms, doubling, at most 10 s. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(10_000, 100 * 2 ** Math.max(0, Math.min(deliveryCount - 1, 10)));
}
