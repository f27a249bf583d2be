import { merkleErrors } from './errors.js';

/** Value of the header's `format` member. */
export const EXPORT_FORMAT = 'acgs-log-export';
/** The export format version this library reads and writes. */
export const EXPORT_VERSION = 1;

/** First line of an export. `publicKeys` are vkeys, as published by the log (not a trust anchor). */
export interface ExportHeader {
  readonly kind: 'header';
  readonly origin: string;
  readonly publicKeys: readonly string[];
}

/** An entry line: the leaf's canonical JSON text, exactly as hashed. */
export interface ExportEntry {
  readonly kind: 'entry';
  readonly index: number;
  readonly entry: string;
}

/** A checkpoint line: a signed note whose size is the number of entries before it. */
export interface ExportCheckpoint {
  readonly kind: 'checkpoint';
  readonly note: string;
}

/** One parsed line of an export. */
export type ExportLine = ExportHeader | ExportEntry | ExportCheckpoint;

/** The header line, newline included. */
export function formatExportHeader(origin: string, publicKeys: readonly string[]): string {
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, origin, publicKeys })}\n`;
}

/** An entry line, newline included. */
export function formatExportEntry(index: number, entry: string): string {
  return `${JSON.stringify({ kind: 'entry', index, entry })}\n`;
}

/** A checkpoint line, newline included. */
export function formatExportCheckpoint(note: string): string {
  return `${JSON.stringify({ kind: 'checkpoint', note })}\n`;
}

function malformed(message: string): never {
  throw merkleErrors.create('LOG_EXPORT_MALFORMED', message);
}

/** Parses one export line (with or without its newline); throws LOG_EXPORT_MALFORMED. */
export function parseExportLine(line: string): ExportLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    malformed('line is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    malformed('line is not a JSON object');
  const record = value as Record<string, unknown>;
  if ('format' in record) {
    if (record['format'] !== EXPORT_FORMAT) malformed(`format must be ${EXPORT_FORMAT}`);
    if (record['version'] !== EXPORT_VERSION)
      malformed(`unsupported export version ${String(record['version'])}`);
    const { origin, publicKeys } = record;
    if (typeof origin !== 'string' || origin.length === 0)
      malformed('header origin must be a non-empty string');
    if (!Array.isArray(publicKeys) || !publicKeys.every((k) => typeof k === 'string')) {
      malformed('header publicKeys must be an array of vkey strings');
    }
    return { kind: 'header', origin, publicKeys: publicKeys as string[] };
  }
  switch (record['kind']) {
    case 'entry': {
      const { index, entry } = record;
      if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0)
        malformed('entry index must be an integer ≥ 0');
      if (typeof entry !== 'string') malformed('entry must be a JSON string');
      return { kind: 'entry', index, entry };
    }
    case 'checkpoint': {
      if (typeof record['note'] !== 'string') malformed('checkpoint note must be a string');
      return { kind: 'checkpoint', note: record['note'] };
    }
    default:
      return malformed('line kind must be entry or checkpoint');
  }
}
