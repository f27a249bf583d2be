/**
 * The import rules of docs/architecture.md, checked over the source tree: pure areas stay pure,
 * adapters stay behind their interfaces, services never import each other, only apps/ wires.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

// Interfaces, plus the storage schema helpers every service's migrations use (no adapter in them).
const INTERFACES = new Set([
  'storage/database.ts',
  'storage/schema-helpers.ts',
  'bus/event-bus.ts',
  'cache/cache-store.ts',
]);
const BUILTIN_IO = /^(node:)?(fs|net|http|https|child_process|dgram|tls|fs\/promises)$/;

interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g))
    specifiers.push(match[1]!);
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

function area(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'services' ? `services/${parts[1]}` : (parts[0] ?? '');
}

const files = sourceFiles(src).map((file) => relative(src, file));
const edges: ImportEdge[] = [];
const externalByFile = new Map<string, string[]>();
for (const file of files) {
  for (const specifier of importsOf(join(src, file))) {
    if (specifier.startsWith('.')) {
      edges.push({
        from: file,
        to: relative(src, resolve(dirname(join(src, file)), specifier)).replace(/\.js$/, '.ts'),
      });
    } else {
      externalByFile.set(file, [...(externalByFile.get(file) ?? []), specifier]);
    }
  }
}

function violations(rule: (edge: ImportEdge) => string | undefined): string[] {
  return edges.map(rule).filter((v): v is string => v !== undefined);
}

test('kernel, policy and merkle import only the kernel from src/', () => {
  const pure = new Set(['kernel', 'policy', 'merkle']);
  const bad = violations(({ from, to }) => {
    const a = area(from);
    if (!pure.has(a)) return undefined;
    if (area(to) === a || area(to) === 'kernel') return undefined;
    return `${from} → ${to}`;
  });
  assert.deepEqual(bad, []);
});

test('kernel and merkle do no I/O', () => {
  const bad = [...externalByFile.entries()]
    .filter(([file]) => ['kernel', 'merkle'].includes(area(file)))
    .flatMap(([file, specifiers]) =>
      specifiers.filter((s) => BUILTIN_IO.test(s)).map((s) => `${file} imports ${s}`),
    );
  assert.deepEqual(bad, []);
});

test('adapters import their own area, the kernel and interfaces only', () => {
  const adapters = new Set(['storage', 'bus', 'cache']);
  const bad = violations(({ from, to }) => {
    const a = area(from);
    if (!adapters.has(a)) return undefined;
    if (area(to) === a || area(to) === 'kernel' || INTERFACES.has(to)) return undefined;
    return `${from} → ${to}`;
  });
  assert.deepEqual(bad, []);
});

test('the kit imports the kernel, itself and interfaces, never an adapter', () => {
  const bad = violations(({ from, to }) => {
    if (area(from) !== 'kit') return undefined;
    if (['kit', 'kernel'].includes(area(to)) || INTERFACES.has(to)) return undefined;
    return `${from} → ${to}`;
  });
  assert.deepEqual(bad, []);
});

test('a service never imports another service, nor an adapter, nor the wiring', () => {
  const bad = violations(({ from, to }) => {
    const a = area(from);
    if (!a.startsWith('services/')) return undefined;
    const b = area(to);
    if (b === a || ['kernel', 'kit', 'policy', 'merkle'].includes(b) || INTERFACES.has(to)) return undefined;
    return `${from} → ${to}`;
  });
  assert.deepEqual(bad, []);
});

test('the rules see the real tree (the check cannot pass vacuously)', () => {
  assert.ok(files.length > 30, `found ${files.length} source files`);
  assert.ok(edges.some((edge) => area(edge.from) === 'apps' && area(edge.to).startsWith('services/')));
  assert.ok(edges.some((edge) => area(edge.from).startsWith('services/') && area(edge.to) === 'kit'));
});
