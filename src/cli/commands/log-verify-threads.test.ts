/**
 * The verify command's worker-thread path gives exactly the report of the single-thread path: on a
 * good export and on exports with an edited entry, a non-canonical entry, a bad signature, a
 * truncated file and unusual lines, in both entry-line forms, with blocks small enough that lines
 * and checkpoints straddle block edges.
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
  verifierKeyOf,
} from '../../merkle/index.js';
import { runLogVerify, verifyExportFile } from './log-verify.js';

const ORIGIN = 'log.example.org/acgs';
const key = generateSignerKey(ORIGIN);
const vkey = formatVerifierKey(key);
const dir = mkdtempSync(join(tmpdir(), 'acgs-verify-threads-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function entryText(i: number): string {
  return encodeLogEntry({
    type: 'policy.decision',
    time: new Date(Date.UTC(2026, 10, 30, 5, 0, 0, i)).toISOString(),
    source: 'pgc',
    // Multi-byte characters (block edges fall inside them too; the workers leave such lines to the
    // string parser), ASCII with escapes (which the workers read from the bytes), varied lengths.
    payload: {
      i,
      decision: i % 3 === 0 ? 'deny' : 'allow',
      note: i % 2 === 0 ? 'é€😀"\\'.repeat(i % 7) : 'a"b\\c\n'.repeat(i % 5),
      pad: 'x'.repeat(i % 97),
    },
  });
}

/** Export lines of `n` entries, checkpoints every `every` entries and at the end. */
function exportLines(n: number, every: number, stored: boolean): string[] {
  const lines = [formatExportHeader(ORIGIN, [vkey]).trimEnd()];
  const range = CompactRange.empty();
  const sign = () =>
    formatExportCheckpoint(
      signCheckpoint({ origin: ORIGIN, size: range.size, root: range.root() }, [key]),
    ).trimEnd();
  lines.push(sign());
  for (let i = 0; i < n; i++) {
    const text = entryText(i);
    const nodes: string[] = [];
    range.append(hashLeaf(text), (id, hash) => {
      if (id.level > 0) nodes.push(toHex(hash));
    });
    const line: Record<string, unknown> = { kind: 'entry', index: i, entry: text };
    if (stored) {
      line.leafHash = toHex(hashLeaf(text));
      if (nodes.length > 0) line.nodes = nodes;
    }
    lines.push(JSON.stringify(line));
    if ((i + 1) % every === 0 || i + 1 === n) lines.push(sign());
  }
  return lines;
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const trusted = [verifierKeyOf(key)];

/** Verifies `file` single-threaded and with 1, 2 and 3 workers on small blocks; all must agree. */
async function sameEverywhere(file: string) {
  const single = await verifyExportFile(file, trusted, { threads: 0 });
  for (const threads of [1, 2, 3]) {
    for (const threadBlockBytes of [4096, 65_536]) {
      const threaded = await verifyExportFile(file, trusted, {
        threads,
        threadMinBytes: 0,
        threadBlockBytes,
      });
      assert.deepEqual(threaded, single, `${threads} workers, blocks of ${threadBlockBytes} bytes`);
    }
  }
  return single;
}

const N = 3000;

for (const stored of [false, true]) {
  const form = stored ? 'with stored hashes' : 'v1 lines';
  describe(`threaded verify equals single-thread verify (${form})`, () => {
    const lines = exportLines(N, 500, stored);
    const suffix = stored ? 'stored' : 'v1';

    test('a good export', async () => {
      const { report, mismatch } = await sameEverywhere(
        write(`good-${suffix}.ndjson`, `${lines.join('\n')}\n`),
      );
      assert.equal(report.ok, true);
      assert.equal(report.entries, N);
      assert.equal(report.verifiedSize, N);
      assert.equal(mismatch, undefined);
      // No final newline: the last line still counts.
      const bare = await sameEverywhere(write(`good-bare-${suffix}.ndjson`, lines.join('\n')));
      assert.equal(bare.report.ok, true);
    });

    test('an edited entry (still canonical): root mismatch, same first bad index', async () => {
      const edited = [...lines];
      const at = edited.findIndex((l) => l.includes('"index":1234,'));
      edited[at] = edited[at]!.replace('\\"i\\":1234', '\\"i\\":4321');
      assert.notEqual(edited[at], lines[at]);
      const { report, mismatch } = await sameEverywhere(
        write(`edited-${suffix}.ndjson`, `${edited.join('\n')}\n`),
      );
      assert.equal(report.ok, false);
      assert.equal(report.firstBadIndex, 1000);
      assert.ok(report.issues.some((i) => i.kind === 'root-mismatch'));
      assert.equal(mismatch?.index, stored ? 1234 : undefined);
    });

    test('a non-canonical entry and an out-of-order index', async () => {
      const edited = [...lines];
      const at = edited.findIndex((l) => l.includes('"index":777,'));
      edited[at] = edited[at]!.replace('{\\"payload\\":{', '{\\"payload\\": {');
      const later = edited.findIndex((l) => l.includes('"index":2100,'));
      edited[later] = edited[later]!.replace('"index":2100,', '"index":2101,');
      const { report } = await sameEverywhere(write(`malformed-${suffix}.ndjson`, `${edited.join('\n')}\n`));
      // The non-canonical bytes are hashed as given, so the checkpoint after them fails too.
      assert.equal(report.firstBadIndex, 500);
      const kinds = report.issues.map((i) => i.kind);
      assert.ok(kinds.includes('entry-malformed') && kinds.includes('index-mismatch'));
      const malformed = report.issues.find((i) => i.kind === 'entry-malformed');
      assert.equal(malformed?.line, at + 1);
      assert.equal(malformed && 'index' in malformed ? malformed.index : undefined, 777);
    });

    test('a bad signature', async () => {
      const edited = [...lines];
      const at = edited.findIndex((l, i) => i > 1500 && l.includes('"kind":"checkpoint"'));
      const sig = edited[at]!.lastIndexOf(' ') + 40; // inside the signature, past the key ID
      const flipped = edited[at]![sig] === 'A' ? 'B' : 'A';
      edited[at] = edited[at]!.slice(0, sig) + flipped + edited[at]!.slice(sig + 1);
      const { report } = await sameEverywhere(write(`badsig-${suffix}.ndjson`, `${edited.join('\n')}\n`));
      assert.equal(report.ok, false);
      assert.ok(
        report.issues.some((i) => i.kind === 'signature-invalid' || i.kind === 'checkpoint-malformed'),
      );
    });

    test('a truncated file (cut inside a line)', async () => {
      const text = `${lines.join('\n')}\n`;
      const { report } = await sameEverywhere(
        write(`truncated-${suffix}.ndjson`, text.slice(0, Math.floor(text.length * 0.6))),
      );
      assert.equal(report.ok, false);
      assert.ok(report.entries < N);
      assert.ok(report.issues.some((i) => i.kind === 'line-malformed'));
    });

    test('blank lines, CRLF, a reordered entry line and a repeated header', async () => {
      const edited = [...lines];
      const at = edited.findIndex((l) => l.includes('"index":42,'));
      const parsed = JSON.parse(edited[at]!) as Record<string, unknown>;
      edited[at] = JSON.stringify({ entry: parsed.entry, index: parsed.index, kind: 'entry' });
      edited.splice(100, 0, '', '\r');
      edited.splice(2000, 0, edited[0]!);
      const { report } = await sameEverywhere(write(`odd-${suffix}.ndjson`, `${edited.join('\n')}\r\n`));
      assert.ok(report.issues.some((i) => i.kind === 'header-repeated'));
    });
  });
}

test('the command prints the same failure report and exit code with and without workers', async () => {
  const lines = exportLines(N, 500, true);
  lines[1700] = lines[1700]!.replace('\\"decision\\":\\"', '\\"decision\\":\\"x');
  const file = write('command.ndjson', `${lines.join('\n')}\n`);
  const outputs: string[][] = [];
  for (const threads of ['0', '2']) {
    const out: string[] = [];
    const code = await runLogVerify(
      file,
      { key: [vkey], threads },
      { out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    assert.equal(code, 1);
    outputs.push(out);
  }
  assert.deepEqual(outputs[1], outputs[0]);
  assert.match(outputs[0]![0]!, /^FAILED: first bad entry index 169\d$/);
});

test('--threads must be a small integer (exit 2)', async () => {
  const file = write('usage.ndjson', `${exportLines(3, 500, false).join('\n')}\n`);
  for (const threads of ['-1', 'two', '1.5', '65']) {
    const err: string[] = [];
    const code = await runLogVerify(
      file,
      { key: [vkey], threads },
      { out: () => {}, err: (t) => err.push(t) },
    );
    assert.equal(code, 2, threads);
    assert.match(err[0]!, /--threads/);
  }
});
