import { decodeBase64Strict, encodeBase64 } from './base64-strict.js';
import { merkleErrors } from './errors.js';
import {
  isValidKeyName,
  type NoteSignerKey,
  type NoteVerifierKey,
  signBytes,
  verifyBytes,
} from './note-keys.js';

/** One signature line of a note: key name, key id and the signature bytes after the id. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** A parsed signed note (c2sp.org/signed-note). `text` includes its final newline. */
export interface SignedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** What checking a note against known keys found. `ok` means at least one good and no bad signature. */
export interface NoteVerification {
  readonly ok: boolean;
  readonly text: string;
  /** Names of known keys whose signatures verified. */
  readonly verifiedBy: readonly string[];
  /** Signatures from known keys (name and id match) that did not verify. */
  readonly failed: readonly NoteSignature[];
  /** Signatures from keys not in the known set; ignored, as the spec requires. */
  readonly unknown: readonly NoteSignature[];
}

/** The separator before a key name in a signature line: em dash U+2014 and a space. */
export const SIGNATURE_PREFIX = '\u2014 ';

/** Most signatures a note may carry (the spec asks verifiers to accept at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

const FORBIDDEN_CHARS = /[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u;

function malformed(message: string): never {
  throw merkleErrors.create('LOG_NOTE_MALFORMED', message);
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n'))
    malformed('note text must be non-empty and end with a newline');
  if (FORBIDDEN_CHARS.test(text)) malformed('note text contains a control character or invalid UTF-16');
}

/**
 * Parses a signed note strictly: valid Unicode, no control characters but newline, text ending in
 * newline, a blank line, then 1–100 lines `— <name> <base64(key id ‖ signature)>`.
 * Throws LOG_NOTE_MALFORMED otherwise.
 */
export function parseSignedNote(note: string): SignedNote {
  if (FORBIDDEN_CHARS.test(note)) malformed('note contains a control character or invalid UTF-16');
  if (!note.endsWith('\n')) malformed('note must end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) malformed('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length === 1 && lines[0] === '') malformed('note has no signatures');
  if (lines.length > MAX_NOTE_SIGNATURES) malformed(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(SIGNATURE_PREFIX))
      malformed('signature line must start with an em dash and a space');
    const fields = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (fields.length !== 2) malformed('signature line must be "— <name> <signature>"');
    const [name, b64] = fields as [string, string];
    if (!isValidKeyName(name)) malformed(`invalid key name in signature line: ${JSON.stringify(name)}`);
    const bytes = decodeBase64Strict(b64);
    if (bytes === undefined || bytes.length < 5)
      malformed('signature is not base64 of a key id and signature');
    const keyId = Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0);
    return { name, keyId, signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/** One signature line, newline included. */
export function formatSignatureLine(signature: NoteSignature): string {
  const bytes = new Uint8Array(4 + signature.signature.length);
  new DataView(bytes.buffer).setUint32(0, signature.keyId);
  bytes.set(signature.signature, 4);
  return `${SIGNATURE_PREFIX}${signature.name} ${encodeBase64(bytes)}\n`;
}

/** The wire form of a note: text, blank line, signature lines. */
export function formatSignedNote(note: SignedNote): string {
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/**
 * Signs `text` (which must end with a newline) with every key, in order, and returns the note.
 * Listing old and new keys signs with both, which is how a log rotates its key.
 */
export function signNote(text: string, signers: readonly NoteSignerKey[]): string {
  checkText(text);
  if (signers.length === 0) malformed('a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const signatures = signers.map((key) => ({
    name: key.name,
    keyId: key.keyId,
    signature: signBytes(key, message),
  }));
  return formatSignedNote({ text, signatures });
}

/**
 * Checks a note's signatures against known keys, following the spec: signatures whose (name, key id)
 * match no known key are ignored; a known key's signature must verify; at least one must.
 * Throws LOG_NOTE_MALFORMED when a string note does not parse.
 */
export function verifyNote(
  note: string | SignedNote,
  verifiers: readonly NoteVerifierKey[],
): NoteVerification {
  const parsed = typeof note === 'string' ? parseSignedNote(note) : note;
  const message = Buffer.from(parsed.text, 'utf8');
  const verifiedBy: string[] = [];
  const failed: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  for (const sig of parsed.signatures) {
    const key = verifiers.find((k) => k.name === sig.name && k.keyId === sig.keyId);
    if (key === undefined) unknown.push(sig);
    else if (verifyBytes(key, message, sig.signature)) {
      if (!verifiedBy.includes(key.name)) verifiedBy.push(key.name);
    } else failed.push(sig);
  }
  return { ok: verifiedBy.length > 0 && failed.length === 0, text: parsed.text, verifiedBy, failed, unknown };
}

/** verifyNote that returns the verified text or throws LOG_NOTE_UNVERIFIED. */
export function openNote(note: string | SignedNote, verifiers: readonly NoteVerifierKey[]): string {
  const result = verifyNote(note, verifiers);
  if (!result.ok) {
    throw merkleErrors.create(
      'LOG_NOTE_UNVERIFIED',
      result.failed.length > 0
        ? `signature by ${result.failed[0]!.name} does not verify`
        : 'note carries no signature from a known key',
      { details: { failed: result.failed.map((s) => s.name), unknown: result.unknown.map((s) => s.name) } },
    );
  }
  return result.text;
}
