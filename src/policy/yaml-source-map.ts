import { type Document, isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import type { SourceLocation } from '../kernel/errors.js';

/**
 * From JSON pointers into a parsed YAML document back to positions in its text, so that errors
 * found on the parsed value can name file, line and column. Used by policy files and by
 * constitution files.
 */

/** The node at a pointer; for a missing member, the deepest node on the path that exists (a map field resolves to its value, or its key when the value is empty). */
export function yamlNodeAt(doc: Document, pointer: string): Node | undefined {
  let node = doc.contents as Node | null;
  let found: Node | undefined = node ?? undefined;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (pair === undefined) break;
      found = (pair.value as Node | null) ?? (pair.key as Node);
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (item === undefined) break;
      found = item;
      node = item;
    } else {
      break;
    }
  }
  return found;
}

/**
 * Maps an offset inside a scalar's string value to its place in the file: exact for plain,
 * quoted and block scalars (for a CEL condition's error position, say).
 */
export function yamlScalarPosition(
  node: Scalar,
  text: string,
  offset: number,
  at: (offset: number) => SourceLocation,
): SourceLocation {
  const start = node.range?.[0] ?? 0;
  const value = String(node.value);
  const before = value.slice(0, offset);
  const lineIndex = before.split('\n').length - 1;
  const column = offset - (before.lastIndexOf('\n') + 1);
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    // Content starts on the line after the header; find the lineIndex-th content line.
    let pos = text.indexOf('\n', start) + 1;
    const indent = /^[ ]*/.exec(text.slice(pos, pos + 200))?.[0].length ?? 0;
    for (let i = 0; i < lineIndex && pos > 0; i++) pos = text.indexOf('\n', pos) + 1;
    return at(pos + indent + column);
  }
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  if (lineIndex === 0) return at(start + quoted + column);
  const first = at(start);
  return { ...first, line: first.line + lineIndex, column: column + 1 };
}
