/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript's shortest round-trip form (which is what JSON.stringify emits for finite numbers).
 * Used wherever bytes must be the same for the same value: constitutional hashes, log entries, signed votes.
 */
export function canonicalJson(value: unknown): string {
  try {
    return serialize(value);
  } catch (error) {
    if (error instanceof UnencodableValue) {
      throw new TypeError(`canonicalJson: ${error.message} at ${error.path || '/'}`);
    }
    throw error;
  }
}

/** Carries the JSON pointer of an unencodable value out of the recursion (built only on failure). */
class UnencodableValue extends Error {
  path = '';
}

function serialize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new UnencodableValue('non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += member(value[i] === undefined ? null : value[i], String(i));
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      if (typeof (record as { toJSON?: unknown }).toJSON === 'function') {
        return serialize((record as { toJSON(): unknown }).toJSON());
      }
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${JSON.stringify(key)}:${member(item, key)}`;
      }
      return `${out}}`;
    }
    default:
      throw new UnencodableValue(`cannot encode ${typeof value}`);
  }
}

function member(value: unknown, key: string): string {
  try {
    return serialize(value);
  } catch (error) {
    if (error instanceof UnencodableValue) error.path = `/${key}${error.path}`;
    throw error;
  }
}
