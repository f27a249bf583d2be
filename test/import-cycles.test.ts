/**
 * No import cycle anywhere in src/, type-only imports included: a cycle means two modules are one
 * module in two files (the policy area had two, engine ↔ explainer and compiler ↔ fast paths).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+['"](\.\.?\/[^'"]+)['"]/g)].map((m) =>
    resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
  );
}

test('src/ has no import cycle', () => {
  const files = sourceFiles(src);
  const graph = new Map(files.map((file) => [file, localImports(file).filter((to) => to !== file)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') {
        cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(src, f)).join(' -> '));
      } else if (state.get(next) === undefined) visit(next, [...path, next]);
    }
    state.set(file, 'done');
  };
  for (const file of files) if (state.get(file) === undefined) visit(file, [file]);
  assert.deepEqual(cycles, []);
});
