import {
  createPrivateKey,
  createPublicKey,
  sign as edSign,
  verify as edVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64Strict, encodeBase64 } from './base64-strict.js';
import { merkleErrors } from './errors.js';
import { sha256 } from './hash-rfc6962.js';

/** Signature type byte of Ed25519 in the signed-note format. */
export const ED25519_SIGNATURE_TYPE = 0x01;

/** A key that can verify note signatures: the parsed form of a vkey. */
export interface NoteVerifierKey {
  readonly name: string;
  /** uint32 key id: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian. */
  readonly keyId: number;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The same key as a node:crypto KeyObject. */
  readonly key: KeyObject;
}

/** A key that can sign notes: the parsed form of an skey. Keep it secret. */
export interface NoteSignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SKEY_PREFIX = 'PRIVATE+KEY+';

function keyMalformed(message: string): never {
  throw merkleErrors.create('LOG_KEY_MALFORMED', message);
}

/**
 * True for a valid key name: non-empty, no Unicode space, no '+', no control character.
 * Names are recommended to be schema-less URLs such as `log.example.org/acgs`.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u0000-\u001f\p{Cs}]/u.test(name);
}

/** The signed-note key id of an Ed25519 key (uint32). */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const nameBytes = Buffer.from(name, 'utf8');
  const input = Buffer.concat([nameBytes, Buffer.from([0x0a, ED25519_SIGNATURE_TYPE]), publicKey]);
  return Buffer.from(sha256(input)).readUInt32BE(0);
}

/** Key id as the 8 lower-case hex digits used in key strings. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') keyMalformed('not an Ed25519 key');
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function seedOf(privateKey: KeyObject): Uint8Array {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** Wraps an Ed25519 private KeyObject as a named signer key. */
export function signerKeyFromPrivateKey(name: string, privateKey: KeyObject): NoteSignerKey {
  if (!isValidKeyName(name)) keyMalformed(`invalid key name ${JSON.stringify(name)}`);
  if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
    keyMalformed('signer key must be an Ed25519 private key');
  }
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return { name, keyId: noteKeyId(name, publicKey), publicKey, privateKey };
}

/** Wraps a raw 32-byte Ed25519 public key as a named verifier key. */
export function verifierKeyFromPublicKey(name: string, publicKey: Uint8Array): NoteVerifierKey {
  if (!isValidKeyName(name)) keyMalformed(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) keyMalformed('Ed25519 public key must be 32 bytes');
  let key: KeyObject;
  try {
    key = publicKeyObject(publicKey);
  } catch (cause) {
    throw merkleErrors.create('LOG_KEY_MALFORMED', 'not a valid Ed25519 public key', { cause });
  }
  return { name, keyId: noteKeyId(name, publicKey), publicKey: new Uint8Array(publicKey), key };
}

/** The verifier half of a signer key. */
export function verifierKeyOf(signer: NoteSignerKey): NoteVerifierKey {
  return verifierKeyFromPublicKey(signer.name, signer.publicKey);
}

/** A fresh Ed25519 signer key named `name` (e.g. the log's origin). */
export function generateSignerKey(name: string): NoteSignerKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return signerKeyFromPrivateKey(name, privateKey);
}

/** vkey string: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(key: NoteVerifierKey | NoteSignerKey): string {
  const body = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), key.publicKey]);
  return `${key.name}+${formatKeyId(key.keyId)}+${encodeBase64(body)}`;
}

/** skey string: `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ 32-byte seed)>`, as Go's sumdb/note. */
export function formatSignerKey(key: NoteSignerKey): string {
  const body = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), seedOf(key.privateKey)]);
  return `${SKEY_PREFIX}${key.name}+${formatKeyId(key.keyId)}+${encodeBase64(body)}`;
}

// Splits `<name>+<hex id>+<base64>` and checks the type byte, key length and key id.
function parseKeyString(text: string, what: string): { name: string; keyBytes: Uint8Array; keyId: number } {
  // The base64 field may itself contain '+', so only the first two are separators.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) keyMalformed(`${what} must be <name>+<key id>+<key>`);
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const b64 = text.slice(second + 1);
  if (!isValidKeyName(name)) keyMalformed(`${what} has an invalid key name`);
  if (!/^[0-9a-f]{8}$/.test(idHex)) keyMalformed(`${what} key id must be 8 lower-case hex digits`);
  const body = decodeBase64Strict(b64);
  if (body === undefined) keyMalformed(`${what} key is not canonical base64`);
  if (body[0] !== ED25519_SIGNATURE_TYPE) keyMalformed(`${what} is not an Ed25519 key (type ${body[0]})`);
  if (body.length !== 33) keyMalformed(`${what} Ed25519 key must be 32 bytes`);
  return { name, keyBytes: body.subarray(1), keyId: Number.parseInt(idHex, 16) };
}

/** Parses a vkey; throws LOG_KEY_MALFORMED on any defect, including a key id that does not match. */
export function parseVerifierKey(vkey: string): NoteVerifierKey {
  const { name, keyBytes, keyId } = parseKeyString(vkey, 'verifier key');
  const key = verifierKeyFromPublicKey(name, keyBytes);
  if (key.keyId !== keyId) keyMalformed('verifier key id does not match its name and key');
  return key;
}

/** Parses an skey; throws LOG_KEY_MALFORMED on any defect, including a key id that does not match. */
export function parseSignerKey(skey: string): NoteSignerKey {
  if (!skey.startsWith(SKEY_PREFIX)) keyMalformed(`signer key must start with ${SKEY_PREFIX}`);
  const { name, keyBytes, keyId } = parseKeyString(skey.slice(SKEY_PREFIX.length), 'signer key');
  let privateKey: KeyObject;
  try {
    privateKey = privateKeyFromSeed(keyBytes);
  } catch (cause) {
    throw merkleErrors.create('LOG_KEY_MALFORMED', 'not a valid Ed25519 seed', { cause });
  }
  const key = signerKeyFromPrivateKey(name, privateKey);
  if (key.keyId !== keyId) keyMalformed('signer key id does not match its name and key');
  return key;
}

/** Ed25519 signature (64 bytes) of `message`. */
export function signBytes(key: NoteSignerKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(edSign(null, message, key.privateKey));
}

/** Checks an Ed25519 signature; false (never a throw) for a signature of the wrong length. */
export function verifyBytes(key: NoteVerifierKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  return edVerify(null, message, key.key, signature);
}
