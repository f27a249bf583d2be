/** The verify command's line reader: every line exactly once, across chunk boundaries and long lines. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { forEachLine } from './log-verify.js';

test('forEachLine yields every line intact: multi-byte characters at chunk edges, lines longer than a chunk, no final newline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-lines-'));
  try {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`${i} ${'é€😀'.repeat(i % 37)} ${'x'.repeat(i % 101)}`);
    lines.push('y'.repeat(3 * 1024 * 1024 + 7)); // longer than the read buffer
    lines.push('', 'after an empty line', 'ünïcödé at the very end');
    const file = join(dir, 'lines.txt');
    writeFileSync(file, lines.join('\n'));
    const seen: string[] = [];
    await forEachLine(file, (line) => seen.push(line));
    assert.equal(seen.length, lines.length);
    for (let i = 0; i < lines.length; i++) if (seen[i] !== lines[i]) assert.fail(`line ${i} differs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
