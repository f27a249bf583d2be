import * as crypto from 'node:crypto';

/** A SHA-256 digest: 32 bytes. */
export type Hash = Uint8Array;

/** Size in bytes of every hash in the log. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

type OneShot = (algorithm: string, data: Uint8Array | string, encoding: 'latin1') => string;

// crypto.hash (Node ≥ 20.12) skips the Hash object. Asking it for a latin1 string and copying that
// into a pooled Buffer is ~3× faster than its 'buffer' output, whose allocation dominates small inputs.
const oneShot: OneShot | undefined = (crypto as unknown as { hash?: OneShot }).hash;

/** SHA-256 of `data` (a string is hashed as UTF-8), via node:crypto. */
export function sha256(data: Uint8Array | string): Hash {
  if (oneShot !== undefined) return Buffer.from(oneShot('sha256', data, 'latin1'), 'latin1');
  return crypto.createHash('sha256').update(data).digest();
}

/** Root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

// Scratch buffers reused across calls: hashing is synchronous, so no call can interleave.
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;
let leafScratch = Buffer.allocUnsafe(4096);

/** Leaf hash: SHA-256(0x00 ‖ data). A string is hashed as its UTF-8 bytes. */
export function hashLeaf(data: Uint8Array | string): Hash {
  // U+0000 encodes to the single byte 0x00, so the prefix can ride along in the string.
  if (typeof data === 'string') return sha256(`\u0000${data}`);
  const size = 1 + data.length;
  if (leafScratch.length < size) leafScratch = Buffer.allocUnsafe(Math.max(size, leafScratch.length * 2));
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(data, 1);
  return sha256(leafScratch.subarray(0, size));
}

/** Interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Hash, right: Hash): Hash {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

// "Binary" hashes: 32-character latin1 strings, one char per byte. The appender's hot path keeps
// hashes in this form because strings from crypto.hash cost far less than Buffers to make.
const binaryScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
binaryScratch[0] = NODE_PREFIX;

// Buffer#latin1Write is undocumented but has shipped since Node 0.x; it skips write()'s argument
// parsing, which is a visible share of an interior hash. Falls back to write() if it ever goes.
type Latin1Write = (this: Buffer, text: string, offset: number, length: number) => number;
const latin1Write: Latin1Write =
  (Buffer.prototype as unknown as { latin1Write?: Latin1Write }).latin1Write ??
  function (this: Buffer, text: string, offset: number, length: number) {
    return this.write(text, offset, length, 'latin1');
  };

function sha256Binary(data: Uint8Array | string): string {
  if (oneShot !== undefined) return oneShot('sha256', data, 'latin1');
  return crypto.createHash('sha256').update(data).digest('binary');
}

/** Leaf hash of a string's UTF-8 bytes, as a binary string. */
export function hashLeafBinary(data: string): string {
  return sha256Binary(`\u0000${data}`);
}

/**
 * Leaf hash, as a binary string, of bytes that already begin with the 0x00 leaf prefix (a caller's
 * scratch buffer: 0x00 ‖ leaf bytes), so no string or copy is made for the hashing.
 */
export function hashPrefixedLeafBinary(prefixed: Uint8Array): string {
  return sha256Binary(prefixed);
}

/** Interior node hash of two binary-string hashes, as a binary string. */
export function hashChildrenBinary(left: string, right: string): string {
  latin1Write.call(binaryScratch, left, 1, HASH_SIZE);
  latin1Write.call(binaryScratch, right, 1 + HASH_SIZE, HASH_SIZE);
  return sha256Binary(binaryScratch);
}

/** A hash as a binary string. */
export function hashToBinary(hash: Hash): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('latin1');
}

/** A binary string as a hash. */
export function binaryToHash(binary: string): Hash {
  return Buffer.from(binary, 'latin1');
}

/** Byte-wise equality of two hashes (not constant time: every hash here is public). */
export function hashEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `value` is a 32-byte array. */
export function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Lower-case hex of a hash (or any bytes). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes from lower- or upper-case hex; throws on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('fromHex: not a hex string');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
