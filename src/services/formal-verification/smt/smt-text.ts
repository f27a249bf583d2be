/**
 * SMT-LIB 2.6 text: quoting of symbols, literals for the policy language's values, and a reader
 * for the s-expressions the solver prints (`sat`, `(get-value …)` answers, errors).
 *
 * Strings are sequences of UTF-16 code units: each code unit of a JavaScript string is one
 * solver character (every string variable is held to characters ≤ U+FFFF). Equality, ordering,
 * `startsWith`, `endsWith`, `contains` and concatenation then mean exactly what they mean to the
 * engine, which compares by code unit (docs/policy-language.md §3).
 */

/** A quoted SMT-LIB symbol (`|…|`); names built from vocabulary paths never contain `|` or `\`. */
export function sym(name: string): string {
  if (name.includes('|') || name.includes('\\')) throw new Error(`symbol cannot hold '|' or '\\': ${name}`);
  return `|${name}|`;
}

/** An `Int` literal. */
export function intLit(v: bigint | number): string {
  const b = BigInt(v);
  return b < 0n ? `(- ${-b})` : `${b}`;
}

/** A `(_ FloatingPoint 11 53)` literal with the exact bits of a JavaScript number. */
export function doubleLit(v: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0).toString(2).padStart(64, '0');
  return `(fp #b${bits[0]} #b${bits.slice(1, 12)} #b${bits.slice(12)})`;
}

/** A `String` literal: one solver character per UTF-16 code unit. */
export function stringLit(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '""';
    else if (c >= 0x20 && c < 0x7f && c !== 0x5c) out += s[i];
    else out += `\\u{${c.toString(16)}}`;
  }
  return `${out}"`;
}

export function boolLit(v: boolean): string {
  return v ? 'true' : 'false';
}

/** `(op a b …)`, folding the trivial cases of and/or so the terms stay small. */
export function app(op: string, ...args: readonly string[]): string {
  if (op === 'and' || op === 'or') {
    const unit = op === 'and' ? 'true' : 'false';
    const zero = op === 'and' ? 'false' : 'true';
    const kept = args.filter((a) => a !== unit);
    if (kept.includes(zero)) return zero;
    if (kept.length === 0) return unit;
    if (kept.length === 1) return kept[0]!;
    return `(${op} ${kept.join(' ')})`;
  }
  if (op === 'not') {
    if (args[0] === 'true') return 'false';
    if (args[0] === 'false') return 'true';
  }
  return `(${op} ${args.join(' ')})`;
}

export function ite(c: string, a: string, b: string): string {
  if (c === 'true' || a === b) return a;
  if (c === 'false') return b;
  return `(ite ${c} ${a} ${b})`;
}

/** A parsed s-expression: a list, a string literal, or an atom (symbol, number, `#b…`). */
export type SExpr = readonly SExpr[] | { readonly str: string } | string;

/** Reads every s-expression in `text` (the solver's output). Throws on malformed text. */
export function parseSExprs(text: string): SExpr[] {
  let pos = 0;
  const out: SExpr[] = [];
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const read = (): SExpr => {
    skip();
    const c = text[pos];
    if (c === undefined) throw new Error('unexpected end of solver output');
    if (c === '(') {
      pos++;
      const items: SExpr[] = [];
      for (;;) {
        skip();
        if (text[pos] === ')') {
          pos++;
          return items;
        }
        items.push(read());
      }
    }
    if (c === ')') throw new Error(`unexpected ')' at ${pos} in solver output`);
    if (c === '"') {
      pos++;
      let raw = '';
      for (;;) {
        const d = text[pos++];
        if (d === undefined) throw new Error('unterminated string in solver output');
        if (d === '"') {
          if (text[pos] === '"') {
            raw += '"';
            pos++;
            continue;
          }
          break;
        }
        raw += d;
      }
      return { str: decodeSolverString(raw) };
    }
    if (c === '|') {
      const end = text.indexOf('|', pos + 1);
      if (end < 0) throw new Error('unterminated symbol in solver output');
      const s = text.slice(pos, end + 1);
      pos = end + 1;
      return s;
    }
    const start = pos;
    while (pos < text.length && !/[\s()"]/.test(text[pos]!)) pos++;
    return text.slice(start, pos);
  };
  for (;;) {
    skip();
    if (pos >= text.length) return out;
    out.push(read());
  }
}

/** The solver prints characters outside printable ASCII as `\u{…}`; each is one UTF-16 code unit here. */
function decodeSolverString(raw: string): string {
  return raw.replace(/\\u\{([0-9a-fA-F]{1,5})\}|\\u([0-9a-fA-F]{4})/g, (_m, a: string | undefined, b) =>
    String.fromCharCode(Number.parseInt(a ?? b, 16)),
  );
}

/** An `Int` value printed by the solver: `5` or `(- 5)`. */
export function readInt(e: SExpr): bigint {
  if (typeof e === 'string' && /^[0-9]+$/.test(e)) return BigInt(e);
  if (Array.isArray(e) && e.length === 2 && e[0] === '-') return -readInt(e[1]!);
  throw new Error(`not an Int value: ${show(e)}`);
}

export function readBool(e: SExpr): boolean {
  if (e === 'true') return true;
  if (e === 'false') return false;
  throw new Error(`not a Bool value: ${show(e)}`);
}

export function readString(e: SExpr): string {
  if (typeof e === 'object' && !Array.isArray(e)) return (e as { str: string }).str;
  throw new Error(`not a String value: ${show(e)}`);
}

/** A Float64 value printed by the solver: `(fp #b… #b… #x…)` or `(_ +zero 11 53)` and friends. */
export function readDouble(e: SExpr): number {
  if (Array.isArray(e) && e[0] === '_') {
    switch (e[1]) {
      case '+zero':
        return 0;
      case '-zero':
        return -0;
      case '+oo':
        return Number.POSITIVE_INFINITY;
      case '-oo':
        return Number.NEGATIVE_INFINITY;
      case 'NaN':
        return Number.NaN;
    }
  }
  if (Array.isArray(e) && e[0] === 'fp' && e.length === 4) {
    const bits = (x: SExpr, width: number) => {
      if (typeof x !== 'string') throw new Error(`bad bit vector ${show(x)}`);
      if (x.startsWith('#b')) return x.slice(2).padStart(width, '0');
      if (x.startsWith('#x'))
        return BigInt(`0x${x.slice(2)}`)
          .toString(2)
          .padStart(width, '0');
      throw new Error(`bad bit vector ${x}`);
    };
    const all = bits(e[1]!, 1) + bits(e[2]!, 11) + bits(e[3]!, 52);
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt(`0b${all}`));
    return view.getFloat64(0);
  }
  throw new Error(`not a Float64 value: ${show(e)}`);
}

export function show(e: SExpr): string {
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return `(${e.map(show).join(' ')})`;
  return JSON.stringify((e as { str: string }).str);
}
