import { resolve } from 'node:path';
import { storageErrors } from './errors.js';

/** Where a database URL points, once parsed. */
export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string };

/**
 * Parses a database URL:
 * - `postgres://…` or `postgresql://…` → PostgreSQL;
 * - `sqlite:relative/file.db`, `sqlite:///absolute/file.db`, `sqlite::memory:` → SQLite;
 * - a bare file path (`./data/acgs.db`, `/var/lib/acgs/acgs.db`) → SQLite.
 * Anything else (another scheme, an empty string) is `STORAGE_URL_INVALID`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed.length === 0) throw invalid(url, 'the URL is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      throw invalid(url, 'the PostgreSQL URL cannot be parsed', cause);
    }
    if (parsed.hostname.length === 0 && !parsed.searchParams.has('host')) {
      throw invalid(url, 'the PostgreSQL URL names no host');
    }
    return { dialect: 'postgres', connectionString: trimmed };
  }
  if (scheme === 'sqlite') {
    const rest = trimmed.slice('sqlite:'.length);
    if (rest === ':memory:') return { dialect: 'sqlite', path: ':memory:' };
    // sqlite:///abs/path → /abs/path; sqlite://rel/path and sqlite:rel/path → rel/path.
    const path = rest.startsWith('///') ? rest.slice(2) : rest.startsWith('//') ? rest.slice(2) : rest;
    if (path.length === 0) throw invalid(url, 'the SQLite URL names no file');
    return { dialect: 'sqlite', path: resolve(decodeURIComponent(path)) };
  }
  // A Windows drive letter ("C:\…") parses as a one-letter scheme; treat it as a path.
  if (scheme !== undefined && scheme.length > 1) {
    throw invalid(url, `unsupported scheme "${scheme}:" (use postgres://, sqlite: or a file path)`);
  }
  return { dialect: 'sqlite', path: resolve(trimmed) };
}

function invalid(url: string, reason: string, cause?: unknown) {
  return storageErrors.create('STORAGE_URL_INVALID', `Database URL is not valid: ${reason}`, {
    details: { url: redactUrl(url) },
    cause,
  });
}

/** The URL with any password replaced, safe for logs and error details. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
