// Strict RFC 4648 §4 base64: standard alphabet, padding required, no whitespace, canonical trailing bits.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes standard padded base64, or returns undefined if `text` is not its canonical encoding. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero padding bits decode fine but would let two strings name the same bytes.
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes);
}

/** Standard padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
