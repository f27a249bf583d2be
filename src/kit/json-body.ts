import { commonErrors } from '../kernel/errors.js';

/**
 * The kit's JSON body parser: `JSON.parse`, then one pass over the text that refuses duplicate
 * keys and `__proto__` keys, naming the member (`400 BODY_MALFORMED`, pointer
 * `/body/action/amount`). Duplicates are refused because parsers disagree on them: a proxy that
 * reads the first `amount` and the platform that reads the last would decide on different requests.
 * The pass keeps its own stack, so any nesting depth is safe.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw commonErrors.create('BODY_MALFORMED', 'the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw commonErrors.create(
      'BODY_MALFORMED',
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  // JSON.parse keeps one member per repeated key, so the text has more keys than the value exactly
  // when a key repeats: counting both (no allocation) is the hot path; only then, or for a
  // `__proto__` key (however escaped: countValueKeys gives -1), the slower pass that names the
  // member runs.
  if (typeof value === 'object' && value !== null) {
    if (countTextKeys(text) !== countValueKeys(value)) checkKeys(text);
  }
  return value;
}

/** The end of the string token starting at `start` (the text is valid JSON): its closing quote. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** How many object keys the text holds: strings followed by a colon. */
function countTextKeys(text: string): number {
  let keys = 0;
  let i = text.indexOf('"');
  while (i >= 0) {
    let next = stringEnd(text, i) + 1;
    let c = text.charCodeAt(next);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++next);
    if (c === 0x3a) keys++;
    i = text.indexOf('"', next);
  }
  return keys;
}

/** How many keys the parsed value's objects hold, all levels; -1 when one is `__proto__`. */
function countValueKeys(root: object): number {
  let keys = 0;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (Array.isArray(item)) {
      for (const member of item) if (typeof member === 'object' && member !== null) stack.push(member);
      continue;
    }
    for (const key in item) {
      if (key === '__proto__') return -1;
      keys++;
      const member = (item as Record<string, unknown>)[key];
      if (typeof member === 'object' && member !== null) stack.push(member);
    }
  }
  return keys;
}

interface Frame {
  /** Keys seen so far (objects); undefined for arrays. */
  readonly keys: Set<string> | undefined;
  /** The current member's key, or the current element's index, for pointers. */
  at: string | number;
  expectKey: boolean;
}

function checkKeys(text: string): void {
  const frames: Frame[] = [];
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const top = frames[frames.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.keys.has(key)) throw refused(frames, key, 'duplicate key: each member may appear once');
        if (key === '__proto__') throw refused(frames, key, 'the key __proto__ is not allowed');
        top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b) frames.push({ keys: new Set(), at: '', expectKey: true });
    else if (c === 0x5b) frames.push({ keys: undefined, at: 0, expectKey: false });
    else if (c === 0x7d || c === 0x5d) frames.pop();
    else if (c === 0x2c) {
      const top = frames[frames.length - 1]!;
      if (top.keys !== undefined) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
    i++;
  }
}

function escapeToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

function refused(frames: readonly Frame[], key: string, detail: string) {
  let pointer = '/body';
  for (let f = 0; f < frames.length - 1; f++) pointer += `/${escapeToken(frames[f]!.at)}`;
  pointer += `/${escapeToken(key)}`;
  return commonErrors.create('BODY_MALFORMED', `${pointer}: ${detail}`, {
    errors: [{ pointer, detail }],
  });
}
