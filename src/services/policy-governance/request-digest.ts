/**
 * SHA-256 of a decision request's RFC 8785 canonical JSON: what the log keeps instead of the
 * request (requests may carry personal data; the log is append-only and exported). Anyone who
 * holds the request can recompute it. The encoder is the kernel's `canonicalJson` without its
 * error paths (a request here has already passed the vocabulary check, so it holds only strings,
 * finite numbers, booleans, arrays and plain objects); `request-digest.test.ts` checks both agree.
 */
import { hash } from 'node:crypto';

export function requestDigest(request: unknown): string {
  return hash('sha256', canonical(request), 'hex');
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonical(value[i] ?? null);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonical(v)}`;
    first = false;
  }
  return `${out}}`;
}
