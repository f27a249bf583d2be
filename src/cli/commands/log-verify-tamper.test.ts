/**
 * `acgs log verify` names the exact first bad entry in every tamper case of issue 21: an edited
 * entry, an edited entry together with its stored leaf hash, an altered stored node, an entry
 * deleted (with and without renumbering the rest), and two lines swapped. Checkpoints are signed
 * every 256 entries, so comparing roots alone could only name the range 256–511.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  CompactRange,
  encodeLogEntry,
  formatExportCheckpoint,
  formatExportHeader,
  formatVerifierKey,
  generateSignerKey,
  hashLeaf,
  signCheckpoint,
  toHex,
} from '../../merkle/index.js';
import { runLogVerify } from './log-verify.js';

const ORIGIN = 'tamper.example.org/acgs';
const key = generateSignerKey(ORIGIN);
const vkey = formatVerifierKey(key);
const dir = mkdtempSync(join(tmpdir(), 'acgs-verify-tamper-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const N = 1000;
const EVERY = 256;

function entryText(i: number): string {
  return encodeLogEntry({
    type: 'policy.decision',
    time: new Date(Date.UTC(2026, 11, 7, 9, 0, 0, i)).toISOString(),
    source: 'pgc',
    payload: { i, decision: i % 3 === 0 ? 'deny' : 'allow' },
  });
}

interface Line {
  kind: string;
  index?: number;
  entry?: string;
  leafHash?: string;
  nodes?: string[];
  text?: string;
}

/** The export `acgs log export` writes: entries with their stored hashes, a checkpoint every EVERY. */
function exportLines(stored = true): Line[] {
  const lines: Line[] = [{ kind: 'raw', text: formatExportHeader(ORIGIN, [vkey]).trimEnd() }];
  const range = CompactRange.empty();
  const sign = (): Line => ({
    kind: 'raw',
    text: formatExportCheckpoint(
      signCheckpoint({ origin: ORIGIN, size: range.size, root: range.root() }, [key]),
    ).trimEnd(),
  });
  lines.push(sign());
  for (let i = 0; i < N; i++) {
    const text = entryText(i);
    const nodes: string[] = [];
    range.append(hashLeaf(text), (id, hash) => {
      if (id.level > 0) nodes.push(toHex(hash));
    });
    const line: Line = { kind: 'entry', index: i, entry: text };
    if (stored) {
      line.leafHash = toHex(hashLeaf(text));
      if (nodes.length > 0) line.nodes = nodes;
    }
    lines.push(line);
    if ((i + 1) % EVERY === 0 || i + 1 === N) lines.push(sign());
  }
  return lines;
}

function render(lines: readonly Line[]): string {
  return `${lines.map(({ text, ...line }) => (line.kind === 'raw' ? text : JSON.stringify(line))).join('\n')}\n`;
}

const at = (lines: Line[], index: number) => lines.findIndex((l) => l.kind === 'entry' && l.index === index);

let files = 0;
async function verify(lines: readonly Line[], ...flags: ('stored' | 'threads')[]) {
  const file = join(dir, `export-${files++}.ndjson`);
  writeFileSync(file, render(lines));
  const out: string[] = [];
  const code = await runLogVerify(
    file,
    { key: [vkey], storedHashes: flags.includes('stored'), threads: 0 },
    { out: (t) => out.push(t), err: (t) => out.push(t) },
  );
  return { code, text: out.join('\n') };
}

function assertNames(result: { code: number; text: string }, index: number) {
  assert.equal(result.code, 1, result.text);
  assert.match(result.text, new RegExp(`^FAILED: first bad entry index ${index}$`, 'm'), result.text);
}

describe('acgs log verify names the exact first bad entry', () => {
  test('the untouched export verifies', async () => {
    const result = await verify(exportLines(), 'stored');
    assert.equal(result.code, 0, result.text);
  });

  test('an edited entry, with and without --stored-hashes', async () => {
    const lines = exportLines();
    const line = lines[at(lines, 400)]!;
    line.entry = line.entry!.replace('"i":400', '"i":4000');
    assertNames(await verify(lines), 400);
    assertNames(await verify(lines, 'stored'), 400);
  });

  test('an edited entry together with its stored leaf hash (even and odd index)', async () => {
    for (const index of [400, 401]) {
      const lines = exportLines();
      const line = lines[at(lines, index)]!;
      line.entry = line.entry!.replace(`"i":${index}`, `"i":${index}0`);
      line.leafHash = toHex(hashLeaf(line.entry));
      for (const result of [await verify(lines, 'stored'), await verify(lines)]) {
        // Two siblings under one stored node cannot be told apart by hashes: the first is named,
        // and the report says the change is one of the pair.
        assertNames(result, 400);
        assert.match(result.text, /entries 400–401 do not match the stored node \(level 1, index 200\)/);
      }
    }
  });

  test('an altered stored node is named by the entry whose line holds it', async () => {
    const lines = exportLines();
    const line = lines[at(lines, 703)]!;
    const nodes = line.nodes!;
    assert.equal(nodes.length, 6); // 703 completes levels 1–6
    nodes[2] = `${nodes[2]!.slice(0, -2)}${nodes[2]!.endsWith('00') ? '11' : '00'}`;
    const result = await verify(lines, 'stored');
    assertNames(result, 703);
    assert.match(result.text, /stored node \(level 3, index 87\)/);
    // The entries still match every signed root, so only --stored-hashes looks at the nodes.
    assert.equal((await verify(lines)).code, 0);
  });

  test('an entry deleted, the rest renumbered', async () => {
    for (const deleted of [400, 401]) {
      const lines = exportLines();
      lines.splice(at(lines, deleted), 1);
      for (const line of lines) if (line.kind === 'entry' && line.index! > deleted) line.index! -= 1;
      assertNames(await verify(lines), deleted);
      assertNames(await verify(lines, 'stored'), deleted);
    }
    // Without stored hashes, the signed checkpoints bound it.
    const plain = exportLines(false);
    plain.splice(at(plain, 400), 1);
    for (const line of plain) if (line.kind === 'entry' && line.index! > 400) line.index! -= 1;
    const result = await verify(plain);
    assert.equal(result.code, 1);
    assert.match(result.text, /^FAILED: first bad entry index 256 \(the change lies in entries 256–511/m);
  });

  test('an entry deleted, the rest left as they were', async () => {
    const lines = exportLines();
    lines.splice(at(lines, 400), 1);
    assertNames(await verify(lines), 400);
  });

  test('two lines swapped', async () => {
    const lines = exportLines();
    const [a, b] = [at(lines, 400), at(lines, 650)];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    for (const result of [await verify(lines), await verify(lines, 'stored')]) {
      assertNames(result, 400);
      assert.match(result.text, /^ {2}entries 400 and 650 are swapped$/m);
    }
  });

  test('two adjacent entries swapped and renumbered', async () => {
    const lines = exportLines();
    const [a, b] = [at(lines, 400), at(lines, 401)];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    lines[a]!.index = 400;
    lines[b]!.index = 401;
    for (const result of [await verify(lines), await verify(lines, 'stored')]) {
      assertNames(result, 400);
      assert.match(result.text, /^ {2}entries 400 and 401 are swapped$/m);
    }
  });
});
