/**
 * The backup archive (docs/backup.md): one file,
 *
 *   "ACGSBAK1" ‖ u32 manifest length ‖ manifest (JSON) ‖ 12-byte IV ‖ AES-256-GCM ciphertext ‖ 16-byte tag
 *
 * The ciphertext is the payload files one after another (names, sizes and SHA-256s in the manifest).
 * The manifest stays readable without the key (so retention and listing need no secret) but is the
 * cipher's additional authenticated data: changing one byte of it, of the ciphertext or of the tag
 * makes decryption fail. Decrypted bytes are written to temporary files and kept only once the tag
 * has verified.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupKey } from './backup-key.js';
import { opsErrors } from './errors.js';

const MAGIC = Buffer.from('ACGSBAK1', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_MANIFEST_BYTES = 1 << 20;
export const ARCHIVE_FORMAT = 'acgs-backup/1';

/** The log as it stood in the snapshot: what a restore must reproduce. */
export interface ManifestLog {
  readonly origin: string;
  /** Entries in the snapshot. */
  readonly size: number;
  /** RFC 6962 root of those entries, hex. */
  readonly rootHash: string;
  /** The latest signed checkpoint in the snapshot (null on a log that never signed one). */
  readonly checkpoint: {
    readonly size: number;
    readonly rootHash: string;
    readonly note: string;
    readonly signedAt: string;
  } | null;
  /** Every verifier key the log recorded (vkeys), to check the checkpoints after a restore. */
  readonly verifierKeys: readonly string[];
}

export interface ManifestFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly createdAt: string;
  /** When the database snapshot was taken: the recovery point. */
  readonly snapshotAt: string;
  readonly platformVersion: string;
  readonly keyId: string;
  readonly dialect: 'sqlite' | 'postgres';
  /** The SQLite file name, or the PostgreSQL URL without its password. */
  readonly source: string;
  readonly log: ManifestLog;
  readonly files: readonly ManifestFile[];
}

/** A payload file to put in an archive. */
export interface PayloadSource {
  readonly name: string;
  readonly path: string;
}

/** Size and SHA-256 of a file, streamed. */
export async function describeFile(name: string, path: string): Promise<ManifestFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

function header(manifest: BackupManifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, length, json]);
}

/** Writes an archive of `sources` (described, in order, by `manifest.files`). */
export async function writeArchive(
  path: string,
  manifest: BackupManifest,
  key: BackupKey,
  sources: readonly PayloadSource[],
): Promise<void> {
  const head = header(manifest);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(head);
  const out = createWriteStream(path, { mode: 0o600 });
  try {
    await write(out, head);
    await write(out, iv);
    for (const source of sources) {
      for await (const chunk of createReadStream(source.path))
        await write(out, cipher.update(chunk as Buffer));
    }
    await write(out, cipher.final());
    await write(out, cipher.getAuthTag());
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    await rm(path, { force: true });
    throw error;
  }
}

async function write(out: WriteStream, chunk: Buffer): Promise<void> {
  if (chunk.length > 0 && !out.write(chunk)) await once(out, 'drain');
}

/** Reads an archive's manifest (no key needed); BACKUP_ARCHIVE_MALFORMED for anything else. */
export async function readManifest(path: string): Promise<{ manifest: BackupManifest; headerBytes: Buffer }> {
  const handle = await open(path, 'r');
  try {
    const start = Buffer.alloc(12);
    const { bytesRead } = await handle.read(start, 0, 12, 0);
    if (bytesRead < 12 || !start.subarray(0, 8).equals(MAGIC))
      malformed(path, 'it does not start with ACGSBAK1');
    const length = start.readUInt32BE(8);
    if (length > MAX_MANIFEST_BYTES) malformed(path, `its manifest length ${length} is implausible`);
    const json = Buffer.alloc(length);
    const read = await handle.read(json, 0, length, 12);
    if (read.bytesRead < length) malformed(path, 'it ends inside the manifest');
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(json.toString('utf8')) as BackupManifest;
    } catch {
      return malformed(path, 'its manifest is not JSON');
    }
    if (manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.files)) {
      malformed(path, `its manifest is not ${ARCHIVE_FORMAT}`);
    }
    return { manifest, headerBytes: Buffer.concat([start, json]) };
  } finally {
    await handle.close();
  }
}

function malformed(path: string, why: string): never {
  throw opsErrors.create('BACKUP_ARCHIVE_MALFORMED', `${path} is not an ACGS backup archive: ${why}`);
}

/**
 * Decrypts an archive's payload into `dir` (one file per manifest entry, mode 0600) and returns
 * the manifest with the paths written. Refuses a key other than the one that wrote the archive
 * (BACKUP_KEY_WRONG) and any modification (BACKUP_ARCHIVE_TAMPERED); in both cases nothing is left
 * in `dir`.
 */
export async function extractArchive(
  path: string,
  key: BackupKey,
  dir: string,
): Promise<{ manifest: BackupManifest; files: ReadonlyMap<string, string> }> {
  const { manifest, headerBytes } = await readManifest(path);
  if (manifest.keyId !== key.id) {
    throw opsErrors.create(
      'BACKUP_KEY_WRONG',
      `${path} was written with backup key ${manifest.keyId}; the key given is ${key.id}`,
    );
  }
  const size = (await stat(path)).size;
  const payloadStart = headerBytes.length + IV_BYTES;
  const payloadEnd = size - TAG_BYTES;
  const expected = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
  if (payloadEnd - payloadStart !== expected) {
    tampered(path, `its payload is ${payloadEnd - payloadStart} bytes, the manifest lists ${expected}`);
  }
  const handle = await open(path, 'r');
  const iv = Buffer.alloc(IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(iv, 0, IV_BYTES, headerBytes.length);
    await handle.read(tag, 0, TAG_BYTES, payloadEnd);
  } finally {
    await handle.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, iv);
  decipher.setAAD(headerBytes);
  decipher.setAuthTag(tag);

  const written = new Map<string, string>();
  const cleanUp = () => Promise.all([...written.values()].map((file) => rm(file, { force: true })));
  try {
    let index = 0;
    let current = openOutput(manifest, index, dir, written);
    const drain = async (plain: Buffer) => {
      let offset = 0;
      while (offset < plain.length) {
        while (current && current.remaining === 0) {
          await current.finish();
          current = openOutput(manifest, ++index, dir, written);
        }
        if (!current) tampered(path, 'its payload is longer than the manifest lists');
        const take = Math.min(current.remaining, plain.length - offset);
        await current.write(plain.subarray(offset, offset + take));
        offset += take;
      }
    };
    if (payloadEnd > payloadStart) {
      for await (const chunk of createReadStream(path, { start: payloadStart, end: payloadEnd - 1 })) {
        await drain(decipher.update(chunk as Buffer));
      }
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      return tampered(path, 'its authentication tag does not match its contents (modified or truncated)');
    }
    await drain(last);
    while (current) {
      await current.finish();
      current = openOutput(manifest, ++index, dir, written);
    }
    return { manifest, files: written };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function tampered(path: string, why: string): never {
  throw opsErrors.create('BACKUP_ARCHIVE_TAMPERED', `${path} is refused: ${why}`);
}

interface Output {
  remaining: number;
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
}

function openOutput(
  manifest: BackupManifest,
  index: number,
  dir: string,
  written: Map<string, string>,
): Output | undefined {
  const file = manifest.files[index];
  if (file === undefined) return undefined;
  if (!/^[\w.-]+$/.test(file.name) || file.name.startsWith('.')) {
    throw opsErrors.create('BACKUP_ARCHIVE_MALFORMED', `payload file name ${JSON.stringify(file.name)}`);
  }
  const path = join(dir, `${file.name}.restoring`);
  written.set(file.name, path);
  const out = createWriteStream(path, { mode: 0o600 });
  const hash = createHash('sha256');
  const output: Output = {
    remaining: file.bytes,
    async write(chunk) {
      hash.update(chunk);
      output.remaining -= chunk.length;
      await write(out, chunk);
    },
    async finish() {
      out.end();
      await once(out, 'finish');
      const digest = hash.digest('hex');
      if (digest !== file.sha256) {
        throw opsErrors.create(
          'BACKUP_ARCHIVE_TAMPERED',
          `payload file ${file.name}: SHA-256 ${digest}, manifest ${file.sha256}`,
        );
      }
    },
  };
  return output;
}
