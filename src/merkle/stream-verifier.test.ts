import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signCheckpoint } from './checkpoint-note.js';
import { CompactRange } from './compact-range.js';
import { formatExportCheckpoint, formatExportEntry, formatExportHeader } from './export-format.js';
import { hashLeaf, hashLeafBinary, toHex } from './hash-rfc6962.js';
import { encodeLogEntry } from './log-entry.js';
import { scanLogEntry } from './log-entry-scan.js';
import { formatVerifierKey, generateSignerKey, type NoteSignerKey, verifierKeyOf } from './note-keys.js';
import { parseEntryLineFast, StreamVerifier, type VerifyIssue } from './stream-verifier.js';

const ORIGIN = 'log.example.org/acgs';
const key = generateSignerKey(ORIGIN);

function entryText(i: number): string {
  return encodeLogEntry({
    type: 'policy.decision',
    time: new Date(Date.UTC(2026, 10, 30, 5, 0, 0, i)).toISOString(),
    source: 'pgc',
    payload: { i, decision: i % 3 === 0 ? 'deny' : 'allow' },
  });
}

/** An export of `n` entries with a checkpoint after each size in `at`, as export lines. */
function makeExport(n: number, at: readonly number[], signers: readonly NoteSignerKey[] = [key]): string[] {
  const lines = [formatExportHeader(ORIGIN, signers.map(formatVerifierKey))];
  const range = CompactRange.empty();
  const sign = () =>
    formatExportCheckpoint(signCheckpoint({ origin: ORIGIN, size: range.size, root: range.root() }, signers));
  if (at.includes(0)) lines.push(sign());
  for (let i = 0; i < n; i++) {
    const text = entryText(i);
    range.append(hashLeaf(text));
    lines.push(formatExportEntry(i, text));
    if (at.includes(i + 1)) lines.push(sign());
  }
  return lines.map((l) => l.replace(/\n$/, ''));
}

function run(
  lines: readonly string[],
  options: ConstructorParameters<typeof StreamVerifier>[0] = { keys: [verifierKeyOf(key)] },
) {
  const verifier = new StreamVerifier(options);
  for (const line of lines) verifier.line(line);
  return verifier.finish();
}

const kinds = (issues: readonly VerifyIssue[]) => issues.map((i) => i.kind);

describe('StreamVerifier', () => {
  test('a good export verifies, with the recomputed root equal to the last checkpoint', () => {
    const report = run(makeExport(100, [0, 1, 10, 64, 100]));
    assert.deepEqual(report.issues, []);
    assert.equal(report.ok, true);
    assert.equal(report.entries, 100);
    assert.equal(report.checkpoints, 5);
    assert.equal(report.verifiedSize, 100);
    assert.equal(report.verifiedRoot, report.computedRoot);
    assert.equal(report.firstBadIndex, undefined);
    assert.equal(report.keysFromHeader, false);
  });

  test('an edited entry shows as a root mismatch; the first bad index is after the last good checkpoint', () => {
    const lines = makeExport(100, [10, 50, 100]);
    // Line 0 is the header, entry i is at line i + 1 plus the checkpoints before it.
    const at = lines.findIndex((l) => l.includes('"index":37,'));
    lines[at] = lines[at]!.replace('"i\\":37', '"i\\":38');
    const report = run(lines);
    assert.equal(report.ok, false);
    assert.deepEqual(kinds(report.issues), ['root-mismatch', 'root-mismatch']);
    assert.equal(report.firstBadIndex, 10);
    assert.equal(report.verifiedSize, 10);
    assert.equal(
      report.issues[0]!.line,
      lines.findIndex((l) => l.includes('checkpoint') && l.includes('\\n50\\n')) + 1,
    );
  });

  test('a dropped entry is an index mismatch at its index', () => {
    const lines = makeExport(20, [20]).filter((l) => !l.includes('"index":7,'));
    const report = run(lines);
    assert.equal(report.firstBadIndex, 7);
    assert.ok(kinds(report.issues).includes('index-mismatch'));
    assert.ok(kinds(report.issues).includes('checkpoint-misplaced'));
  });

  test('a non-canonical entry is reported at its index even if the log hashed it as given', () => {
    const lines = makeExport(5, [2, 5]);
    // Header, entries 0 and 1, checkpoint 2, then entry 2.
    lines[4] = lines[4]!.replace('{\\"payload', '{ \\"payload');
    const report = run(lines);
    assert.deepEqual(kinds(report.issues).slice(0, 1), ['entry-malformed']);
    assert.equal(report.firstBadIndex, 2);
    // With entry checks off only the hashes count, and the edit breaks the root.
    assert.deepEqual(kinds(run(lines, { keys: [verifierKeyOf(key)], checkEntries: false }).issues), [
      'root-mismatch',
    ]);
  });

  test('signatures: an unknown key is missing, a forged one is invalid, a rotated pair verifies', () => {
    const stranger = generateSignerKey(ORIGIN);
    assert.deepEqual(kinds(run(makeExport(3, [3], [stranger])).issues), [
      'signature-missing',
      'tail-unsigned',
    ]);
    const lines = makeExport(3, [3]);
    const last = lines.length - 1;
    const sig = /— \S+ (\S+)\\n/.exec(lines[last]!)![1]!;
    const bytes = Buffer.from(sig, 'base64');
    bytes[20]! ^= 0x40;
    lines[last] = lines[last]!.replace(sig, bytes.toString('base64'));
    assert.deepEqual(kinds(run(lines).issues), ['signature-invalid', 'tail-unsigned']);
    const next = generateSignerKey(ORIGIN);
    assert.equal(run(makeExport(3, [1, 3], [key, next]), { keys: [verifierKeyOf(next)] }).ok, true);
  });

  test('checkpoint sizes must not go back, must sit right after their last entry, and must cover the tail', () => {
    const lines = makeExport(8, [4, 8]);
    const four = lines.find((l) => l.includes('checkpoint') && l.includes('\\n4\\n'))!;
    const regressed = run([...lines, four]);
    assert.deepEqual(kinds(regressed.issues), ['size-regressed', 'checkpoint-misplaced']);
    const tail = run(makeExport(8, [4]));
    assert.deepEqual(kinds(tail.issues), ['tail-unsigned']);
    assert.equal(tail.firstBadIndex, undefined);
    assert.equal(tail.verifiedSize, 4);
    assert.deepEqual(kinds(run(makeExport(3, [])).issues), ['no-checkpoint']);
  });

  test('origin must match; header keys are used when no keys are given, and the report says so', () => {
    const lines = makeExport(4, [4]);
    assert.deepEqual(kinds(run(lines, { keys: [verifierKeyOf(key)], origin: 'other.example' }).issues), [
      'origin-mismatch',
      'tail-unsigned',
    ]);
    const fromHeader = run(lines, {});
    assert.equal(fromHeader.ok, true);
    assert.equal(fromHeader.keysFromHeader, true);
  });

  test('structural problems: missing header, garbage line, repeated header', () => {
    const lines = makeExport(2, [2]);
    assert.equal(kinds(run(lines.slice(1)).issues)[0], 'header-missing');
    assert.deepEqual(kinds(run([...lines, 'not json']).issues), ['line-malformed']);
    assert.deepEqual(kinds(run([...lines, lines[0]!]).issues), ['header-repeated']);
  });

  test('feeding parts directly gives the same root as the compact range', () => {
    const verifier = new StreamVerifier({ keys: [verifierKeyOf(key)] });
    const range = CompactRange.empty();
    verifier.header(ORIGIN, []);
    for (let i = 0; i < 33; i++) {
      verifier.entry(i, entryText(i));
      range.append(hashLeaf(entryText(i)));
    }
    verifier.checkpoint(signCheckpoint({ origin: ORIGIN, size: 33, root: range.root() }, [key]));
    const report = verifier.finish();
    assert.equal(report.ok, true);
    assert.equal(report.computedRoot, toHex(range.root()));
  });

  test('entry lines in any valid JSON form verify the same; invalid ones are malformed lines', () => {
    const lines = makeExport(20, [20]);
    const reshaped = lines.map((line) => {
      if (!line.includes('"kind":"entry"')) return line;
      const { index, entry } = JSON.parse(line) as { index: number; entry: string };
      return index % 2 === 0
        ? JSON.stringify({ entry, index, kind: 'entry' })
        : ` ${JSON.stringify({ kind: 'entry', index, entry }, null, 1)}`.replaceAll('\n', '');
    });
    const report = run(reshaped);
    assert.deepEqual(report.issues, []);
    assert.equal(report.computedRoot, run(lines).computedRoot);
    const bad = [...lines];
    bad[1] = bad[1]!.replace('"index":0,', '"index":00,');
    bad[2] = bad[2]!.replace('"index":1,', '"index":"1",');
    bad[3] = `${bad[3]!.slice(0, -1)},}`;
    assert.deepEqual(kinds(run(bad).issues).slice(0, 3), [
      'line-malformed',
      'line-malformed',
      'line-malformed',
    ]);
  });

  test('scannedEntry (hashed and scanned elsewhere) has the effect of entry', () => {
    const lines = makeExport(40, [0, 16, 40]);
    // An out-of-order index, a non-canonical entry and an edited one, fed both ways.
    lines[5] = lines[5]!.replace('"index":3,', '"index":7,');
    lines[12] = lines[12]!.replace('{\\"payload\\":', '{\\"payload\\": ');
    lines[30] = lines[30]!.replace('allow', 'alloW');
    const direct = run(lines);
    const verifier = new StreamVerifier({ keys: [verifierKeyOf(key)] });
    const parts = { index: 0, entry: '' };
    for (const line of lines) {
      if (!parseEntryLineFast(line, parts)) verifier.line(line);
      else {
        verifier.line('');
        verifier.scannedEntry(parts.index, hashLeafBinary(parts.entry), scanLogEntry(parts.entry));
      }
    }
    const scanned = verifier.finish();
    assert.deepEqual(scanned, direct);
    assert.deepEqual(kinds(direct.issues), [
      'index-mismatch',
      'entry-malformed',
      'root-mismatch',
      'root-mismatch',
    ]);
  });

  test('issues are capped at maxIssues and the rest counted', () => {
    const lines = makeExport(1, [1]);
    const report = run([...lines, ...Array(10).fill('{}')], { keys: [verifierKeyOf(key)], maxIssues: 3 });
    assert.equal(report.issues.length, 3);
    assert.equal(report.issuesDropped, 7);
    assert.equal(report.ok, false);
  });
});
