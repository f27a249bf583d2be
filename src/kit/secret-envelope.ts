import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../kernel/config.js';

/** A key-encryption key: its id (stored with every value it seals) and 32 bytes. */
export interface KeyEncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

const PREFIX = 'enc:v1:';
const KEK_LINE = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$/;

/**
 * Envelope encryption of secrets at rest (signing keys, TOTP secrets): AES-256-GCM under a
 * key-encryption key (KEK), stored as `enc:v1:<kek id>:<iv>:<ciphertext‖tag>` (base64). The
 * first KEK seals; every KEK opens what it sealed, so a rotation configures the new key first and
 * keeps the old ones until no value needs them. A value without the prefix was stored before
 * encryption and is returned as it is (it is sealed when next written, or at start-up by
 * `resealStoredSecrets`, which also moves values off an older KEK).
 */
export class SecretEnvelope {
  /**
   * `refusal`: without a KEK, `seal` throws a ConfigError saying this, instead of storing the
   * value as it is (distributed mode on a shared database: docs/security.md, "Keys").
   */
  constructor(
    private readonly keks: readonly KeyEncryptionKey[],
    private readonly refusal?: string,
  ) {
    for (const kek of keks) if (kek.key.length !== 32) throw new Error(`KEK ${kek.id} is not 32 bytes`);
  }

  /** Whether values are sealed (a KEK is configured). */
  get sealing(): boolean {
    return this.keks.length > 0;
  }

  seal(plain: string): string {
    const kek = this.keks[0];
    if (kek === undefined) {
      if (this.refusal !== undefined) throw new ConfigError([this.refusal]);
      return plain;
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
    cipher.setAAD(Buffer.from(PREFIX + kek.id));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${kek.id}:${iv.toString('base64')}:${body.toString('base64')}`;
  }

  /**
   * Whether `stored` should be sealed again: it is plain (stored before encryption) or sealed with
   * a KEK other than the current one (before a rotation). False when no KEK is configured.
   */
  needsResealing(stored: string): boolean {
    const kek = this.keks[0];
    return kek !== undefined && !stored.startsWith(`${PREFIX}${kek.id}:`);
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id = '', iv = '', body = ''] = stored.slice(PREFIX.length).split(':');
    const kek = this.keks.find((k) => k.id === id);
    if (kek === undefined)
      throw new Error(`a secret is sealed with the key-encryption key "${id}", which is not configured`);
    const bytes = Buffer.from(body, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(PREFIX + kek.id));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }
}

/** Parses `<id>:<base64 of 32 bytes>` entries, comma- or newline-separated, first one current. */
export function parseKeyEncryptionKeys(text: string, source: string): KeyEncryptionKey[] {
  return text
    .split(/[\s,]+/)
    .filter((line) => line.length > 0)
    .map((line) => {
      const match = KEK_LINE.exec(line);
      if (!match) throw new Error(`${source}: expected <id>:<base64 of 32 bytes> entries`);
      return { id: match[1]!, key: Buffer.from(match[2]!, 'base64') };
    });
}

/** A new KEK line, `<id>:<base64>`; the id is the first 8 hex digits of the key's SHA-256. */
export function newKeyEncryptionKey(): string {
  const key = randomBytes(32);
  return `${createHash('sha256').update(key).digest('hex').slice(0, 8)}:${key.toString('base64')}`;
}

/**
 * The process's envelope: `ACGS_KEK` (entries), else `ACGS_KEK_FILE` (a file of entries), else
 * `generatedFile` (a database in the data directory: `<data dir>/kek.key`, generated 0600 on first
 * use), else none: sealing then throws `refusal` (a shared database), or stores values as given.
 */
export function envelopeFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  generatedFile: string | undefined,
  refusal?: string,
): SecretEnvelope {
  const inline = env.ACGS_KEK?.trim();
  if (inline) return new SecretEnvelope(parseKeyEncryptionKeys(inline, 'ACGS_KEK'));
  const file = env.ACGS_KEK_FILE?.trim();
  if (file) return new SecretEnvelope(parseKeyEncryptionKeys(readFileSync(file, 'utf8'), 'ACGS_KEK_FILE'));
  if (generatedFile === undefined) return new SecretEnvelope([], refusal);
  if (!existsSync(generatedFile)) {
    mkdirSync(dirname(generatedFile), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(generatedFile, `${newKeyEncryptionKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(generatedFile, 0o600);
  return new SecretEnvelope(parseKeyEncryptionKeys(readFileSync(generatedFile, 'utf8'), generatedFile));
}

let processEnvelope = new SecretEnvelope([]);

/**
 * Sets the envelope this process seals secrets with (the app does, at start-up). Until then, and
 * in processes that hold no secrets (the CLI's user commands), values are stored as given.
 */
export function useSecretEnvelope(envelope: SecretEnvelope): void {
  processEnvelope = envelope;
}

/** Seals a secret for storage with the process's envelope. */
export function sealSecret(plain: string): string {
  return processEnvelope.seal(plain);
}

/** Opens a stored secret (sealed or, from before encryption, plain). */
export function openSecret(stored: string): string {
  return processEnvelope.open(stored);
}

/** Whether a stored secret is plain or sealed with an older KEK (see `SecretEnvelope.needsResealing`). */
export function secretNeedsResealing(stored: string): boolean {
  return processEnvelope.needsResealing(stored);
}
