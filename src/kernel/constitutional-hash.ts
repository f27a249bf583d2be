import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** A constitution version's identity: SHA-256 over its RFC 8785 canonical JSON. */
export interface ConstitutionalHash {
  /** 64 lower-case hex digits. */
  readonly hash: string;
  /** The first 16 hex digits, shown in headers. */
  readonly short: string;
}

export function constitutionalHashOf(version: unknown): ConstitutionalHash {
  const hash = createHash('sha256').update(canonicalJson(version)).digest('hex');
  return { hash, short: hash.slice(0, 16) };
}

/** Whether a client's expected hash (full or short form, any case) names `actual`. */
export function hashMatches(expected: string, actual: ConstitutionalHash): boolean {
  const value = expected.trim().toLowerCase();
  return value.length === 16 ? value === actual.short : value === actual.hash;
}
