/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no whitespace,
 * numbers in ECMAScript's shortest round-trip form (which is what JSON.stringify emits for finite numbers).
 * Used wherever bytes must be the same for the same value: constitutional hashes, log entries, signed votes.
 *
 * Containers are walked with an explicit stack, not recursion, so a value of any nesting depth
 * (a log entry written before the log limited depth) encodes instead of overflowing the call stack.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  // Open containers: the values still to write (arrays) or the sorted keys (objects), and where we are.
  const frames: Frame[] = [];
  let current: unknown = value;
  for (;;) {
    out += open(current, frames);
    // Find the next value to write, closing finished containers.
    for (;;) {
      const frame = frames[frames.length - 1];
      if (frame === undefined) return out;
      if (frame.array !== undefined) {
        if (frame.index < frame.array.length) {
          if (frame.index > 0) out += ',';
          const item = frame.array[frame.index++];
          current = item === undefined ? null : item;
          break;
        }
        out += ']';
      } else {
        const keys = frame.keys!;
        while (frame.index < keys.length && frame.record![keys[frame.index]!] === undefined) frame.index++;
        if (frame.index < keys.length) {
          const key = keys[frame.index++]!;
          if (frame.written++ > 0) out += ',';
          out += `${JSON.stringify(key)}:`;
          current = frame.record![key];
          break;
        }
        out += '}';
      }
      frames.pop();
    }
  }
}

interface Frame {
  readonly array?: readonly unknown[];
  readonly record?: Record<string, unknown>;
  readonly keys?: readonly string[];
  index: number;
  written: number;
}

/** A scalar's text, or a container's opening bracket (pushing its frame). */
function open(value: unknown, frames: Frame[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw unencodable('non-finite number', frames);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        frames.push({ array: value, index: 0, written: 0 });
        return '[';
      }
      let record = value as Record<string, unknown>;
      // toJSON may return another object with its own toJSON (Date → string ends it).
      while (typeof (record as { toJSON?: unknown }).toJSON === 'function') {
        const replaced = (record as { toJSON(): unknown }).toJSON();
        if (typeof replaced !== 'object' || replaced === null) return open(replaced, frames);
        if (Array.isArray(replaced)) return open(replaced, frames);
        record = replaced as Record<string, unknown>;
      }
      frames.push({ record, keys: Object.keys(record).sort(), index: 0, written: 0 });
      return '{';
    }
    default:
      throw unencodable(`cannot encode ${typeof value}`, frames);
  }
}

/** The JSON pointer of the value being opened, from the open containers. */
function unencodable(message: string, frames: readonly Frame[]): TypeError {
  let path = '';
  for (const frame of frames) {
    path += `/${frame.array !== undefined ? String(frame.index - 1) : frame.keys![frame.index - 1]}`;
  }
  return new TypeError(`canonicalJson: ${message} at ${path || '/'}`);
}
