/**
 * Verifying a decision's log receipt against a signed checkpoint, with only `node:crypto`:
 * the checkpoint is a C2SP signed note checked with the log's Ed25519 verifier key (vkey), and the
 * receipt's leaf is proved inside that checkpoint's tree by an RFC 6962 / RFC 9162 inclusion proof.
 *
 * The maths is a copy of `src/merkle` (proof-verify.ts, signed-note.ts, note-keys.ts), kept here so
 * that the package depends on nothing of the server; `test/client-merkle-agreement.test.ts` checks
 * that both agree on every proof of trees up to 64 leaves.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { AcgsClient, LogReceipt } from './acgs-client.js';

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

const NODE = new Uint8Array([1]);

function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`not a 32-byte hex hash: ${hex}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** The root an inclusion proof implies (RFC 9162 §2.1.3.2), or undefined when its shape is wrong. */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(NODE, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = sha256(NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** A parsed vkey: `<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte Ed25519 key)>`. */
interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly key: ReturnType<typeof createPublicKey>;
}

function parseVerifierKey(vkey: string): VerifierKey {
  // The name and id contain no '+'; the base64 key may.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const name = first > 0 ? vkey.slice(0, first) : undefined;
  const idHex = second > first ? vkey.slice(first + 1, second) : undefined;
  const b64 = second > first ? vkey.slice(second + 1) : undefined;
  const body = b64 === undefined ? undefined : Buffer.from(b64, 'base64');
  if (name === undefined || idHex === undefined || body?.length !== 33 || body[0] !== 1)
    throw new TypeError(`not an Ed25519 verifier key: ${vkey}`);
  const raw = body.subarray(1);
  const keyId = Number.parseInt(idHex, 16);
  const computed = sha256(Buffer.from(name, 'utf8'), new Uint8Array([0x0a, 0x01]), raw);
  if (Buffer.from(computed).readUInt32BE(0) !== keyId) throw new TypeError('verifier key id does not match');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { name, keyId, key };
}

/** The checkpoint of a signed note that one of `vkeys` signed; undefined when none did. */
export function openCheckpointNote(
  note: string,
  vkeys: readonly string[],
): { origin: string; size: number; root: Uint8Array } | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const text = note.slice(0, split + 1);
  const keys = vkeys.map(parseVerifierKey);
  const signed = note
    .slice(split + 2, -1)
    .split('\n')
    .some((line) => {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (match === null) return false;
      const bytes = Buffer.from(match[2]!, 'base64');
      if (bytes.length !== 68) return false;
      const key = keys.find((k) => k.name === match[1] && k.keyId === bytes.readUInt32BE(0));
      return key !== undefined && verify(null, Buffer.from(text, 'utf8'), key.key, bytes.subarray(4));
    });
  if (!signed) return undefined;
  const [origin, sizeText, rootText] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeText === undefined || rootText === undefined || !/^(0|[1-9]\d*)$/.test(sizeText))
    return undefined;
  const root = new Uint8Array(Buffer.from(rootText, 'base64'));
  return root.length === 32 ? { origin, size: Number(sizeText), root } : undefined;
}

export interface ReceiptVerification {
  readonly ok: boolean;
  /** Why not, when `ok` is false. */
  readonly problem?: string;
  readonly checkpoint?: { readonly origin: string; readonly size: number; readonly rootHash: string };
}

/**
 * Proves a receipt against the log's latest signed checkpoint. `client` needs a role that reads
 * the log (auditor, reviewer, service, …: agents may not read other agents' decisions); `vkeys`
 * are the log's verifier keys, pinned by the caller (when omitted, they are read from the
 * platform's public-key route, which proves consistency with that platform only).
 */
export async function verifyReceipt(
  client: AcgsClient,
  receipt: LogReceipt,
  options: { vkeys?: readonly string[] } = {},
): Promise<ReceiptVerification> {
  if (receipt.index === null) return { ok: false, problem: 'the receipt has no log index yet (async mode)' };
  const vkeys = options.vkeys ?? (await client.call<{ keys: string[] }>('GET', '/api/v1/log/public-key')).keys;
  const latest = await client.call<{ note: string }>('GET', '/api/v1/log/checkpoint');
  const checkpoint = openCheckpointNote(latest.note, vkeys);
  if (checkpoint === undefined) return { ok: false, problem: 'the checkpoint is not signed by a known key' };
  const shown = { origin: checkpoint.origin, size: checkpoint.size, rootHash: Buffer.from(checkpoint.root).toString('hex') };
  if (receipt.index >= checkpoint.size)
    return { ok: false, problem: `entry ${receipt.index} is not in the checkpoint yet (size ${checkpoint.size})`, checkpoint: shown };
  const proof = await client.call<{ proof: string[] }>(
    'GET',
    `/api/v1/log/proofs/inclusion?index=${receipt.index}&size=${checkpoint.size}`,
  );
  const root = rootFromInclusionProof(receipt.index, checkpoint.size, fromHex(receipt.leafHash), proof.proof.map(fromHex));
  return root !== undefined && equal(root, checkpoint.root)
    ? { ok: true, checkpoint: shown }
    : { ok: false, problem: 'the inclusion proof does not lead to the checkpoint root', checkpoint: shown };
}
