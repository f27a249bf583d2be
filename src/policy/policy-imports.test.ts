/**
 * The policy library stays pure: it imports only itself and src/kernel, does I/O only in the
 * loader, and depends only on the CEL implementation and the YAML parser (fast-check only in
 * test support).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = join(root, 'src/policy');
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => join(dir, f));

const ALLOWED_PACKAGES = new Set([
  '@bufbuild/cel',
  '@bufbuild/cel/ext',
  '@bufbuild/re2',
  '@bufbuild/protobuf',
  '@bufbuild/protobuf/wkt',
  'yaml',
]);
const IO = /^(node:)?(fs|fs\/promises|net|http|https|child_process|dgram|tls)$/;

test('policy imports only src/kernel, the CEL implementation and yaml; I/O only in the loader', () => {
  const problems: string[] = [];
  for (const file of files) {
    const name = relative(dir, file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
      if (spec!.startsWith('.')) {
        const target = relative(join(root, 'src'), resolve(dirname(file), spec!));
        if (!target.startsWith('policy/') && !target.startsWith('kernel/'))
          problems.push(`${name} imports ${target}`);
      } else if (IO.test(spec!)) {
        if (name !== 'policy-loader.ts') problems.push(`${name} does I/O through ${spec}`);
      } else if (spec === 'fast-check') {
        if (!name.startsWith('testing/')) problems.push(`${name} imports fast-check`);
      } else if (!ALLOWED_PACKAGES.has(spec!) && !spec!.startsWith('node:')) {
        problems.push(`${name} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(files.length > 15);
});
