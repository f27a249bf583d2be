import { decodeBase64Strict, encodeBase64 } from './base64-strict.js';
import { merkleErrors } from './errors.js';
import { type Hash, isHash } from './hash-rfc6962.js';
import type { NoteSignerKey, NoteVerifierKey } from './note-keys.js';
import { type NoteVerification, parseSignedNote, signNote, verifyNote } from './signed-note.js';

/** A tree head as a c2sp.org/tlog-checkpoint body describes it. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Hash;
  /** Opaque extension lines (not recommended; never written by ACGS). */
  readonly extensions?: readonly string[];
}

/** The result of opening a checkpoint note: the signature check and, if the body parsed, the checkpoint. */
export interface CheckpointVerification extends NoteVerification {
  readonly checkpoint: Checkpoint;
}

function malformed(message: string): never {
  throw merkleErrors.create('LOG_CHECKPOINT_MALFORMED', message);
}

/** The note text: origin, decimal size, base64 root, each with a trailing newline. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.origin.length === 0 || checkpoint.origin.includes('\n'))
    malformed('origin must be one non-empty line');
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0)
    malformed('size must be a safe integer ≥ 0');
  if (!isHash(checkpoint.root)) malformed('root must be 32 bytes');
  const extensions = checkpoint.extensions ?? [];
  for (const line of extensions)
    if (line.length === 0 || line.includes('\n')) malformed('bad extension line');
  return [checkpoint.origin, String(checkpoint.size), encodeBase64(checkpoint.root), ...extensions]
    .map((line) => `${line}\n`)
    .join('');
}

/** Parses a checkpoint body strictly; throws LOG_CHECKPOINT_MALFORMED. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) malformed('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) malformed('checkpoint needs origin, size and root lines');
  if (lines.some((line) => line.length === 0)) malformed('checkpoint lines must be non-empty');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) malformed('size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) malformed('size exceeds 2^53 - 1');
  const root = decodeBase64Strict(rootText);
  if (root === undefined || root.length !== 32) malformed('root must be base64 of 32 bytes');
  return extensions.length > 0 ? { origin, size, root, extensions } : { origin, size, root };
}

/** Signs a checkpoint with one or more keys (old and new during a rotation) and returns the note. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSignerKey[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Parses a checkpoint note and checks its signatures against known keys. Throws LOG_NOTE_MALFORMED or
 * LOG_CHECKPOINT_MALFORMED for bad syntax; a bad or missing signature is reported by `ok: false`.
 */
export function verifyCheckpoint(
  note: string,
  verifiers: readonly NoteVerifierKey[],
): CheckpointVerification {
  const parsed = parseSignedNote(note);
  const checkpoint = parseCheckpoint(parsed.text);
  return { ...verifyNote(parsed, verifiers), checkpoint };
}

/**
 * The checkpoint of a note that verifies and (when given) names `origin`;
 * throws LOG_NOTE_UNVERIFIED or LOG_CHECKPOINT_MALFORMED otherwise.
 */
export function openCheckpoint(
  note: string,
  verifiers: readonly NoteVerifierKey[],
  origin?: string,
): Checkpoint {
  const result = verifyCheckpoint(note, verifiers);
  if (!result.ok)
    throw merkleErrors.create('LOG_NOTE_UNVERIFIED', 'checkpoint has no valid signature from a known key');
  if (origin !== undefined && result.checkpoint.origin !== origin) {
    malformed(
      `checkpoint origin ${JSON.stringify(result.checkpoint.origin)} is not ${JSON.stringify(origin)}`,
    );
  }
  return result.checkpoint;
}
