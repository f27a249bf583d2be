import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The house rule for src/merkle: pure code. Library files may import each other, src/kernel and
// node:crypto only; tests may also use node:test, node:assert, node:fs, node:url and fast-check.
test('src/merkle imports only itself, src/kernel and node:crypto', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  assert.ok(files.length > 10);
  for (const file of files) {
    const source = readFileSync(`${dir}/${file}`, 'utf8');
    const specifiers = [
      ...source.matchAll(/^(?:import|export)\b[^;]*?from\s*['"]([^'"]+)['"]/gm),
      ...source.matchAll(/^import\s*['"]([^'"]+)['"]/gm),
      ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]!);
    const isTest = file.endsWith('.test.js');
    for (const spec of specifiers) {
      const ok =
        (spec.startsWith('./') && !spec.includes('/', 2)) ||
        /^\.\.\/kernel\/[a-z-]+\.js$/.test(spec) ||
        spec === 'node:crypto' ||
        (isTest && ['node:test', 'node:assert/strict', 'node:fs', 'node:url', 'fast-check'].includes(spec));
      assert.ok(ok, `${file} imports ${spec}`);
    }
  }
});
