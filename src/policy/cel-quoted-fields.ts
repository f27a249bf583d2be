/**
 * Backtick-quoted field names (`resource.labels.\`app.kubernetes.io/name\``), which CEL allows
 * in a selection and `has()` but the parser of @bufbuild/cel 0.6 does not know: each quoted name
 * is replaced by a placeholder identifier of the same length (so every offset stays where it
 * was), and the placeholders are mapped back to the names after parsing. Both evaluators'
 * parsers go through here.
 */

/** The characters CEL allows between backticks (cel-spec's QUOTED_IDENT). */
const QUOTED = /^[A-Za-z0-9_.\-/ ]+$/;

export interface QuotedFields {
  /** The text with each quoted field name replaced by its placeholder. */
  readonly text: string;
  /** Placeholder → the field name it stands for. */
  readonly names: ReadonlyMap<string, string>;
}

/** Replaces the backtick-quoted field names of `text` (outside string literals) by placeholders. */
export function unquoteFields(text: string): QuotedFields {
  if (!text.includes('`')) return { text, names: new Map() };
  const names = new Map<string, string>();
  let out = '';
  let next = 0;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const close = c === '`' ? text.indexOf('`', i + 1) : -1;
    const name = close < 0 ? '' : text.slice(i + 1, close);
    if (close < 0 || !QUOTED.test(name) || !/\.\s*$/.test(out)) {
      out += c;
      i++;
      continue;
    }
    let placeholder: string;
    do {
      placeholder = `_${(next++).toString(36)}`.padEnd(name.length + 2, '_');
    } while (placeholder.length > name.length + 2 || text.includes(placeholder) || names.has(placeholder));
    names.set(placeholder, name);
    out += placeholder;
    i = close + 1;
  }
  return { text: out, names };
}

/** The offset just past the string literal that starts at `start` (quotes, triple quotes, escapes). */
function stringEnd(text: string, start: number): number {
  const q = text[start]!;
  const triple = text.startsWith(q.repeat(3), start);
  const raw = start > 0 && /[rR]/.test(text[start - 1]!);
  const quote = triple ? q.repeat(3) : q;
  for (let i = start + quote.length; i < text.length; i++) {
    if (text[i] === '\\' && !raw) i++;
    else if (text.startsWith(quote, i)) return i + quote.length;
  }
  return text.length;
}
