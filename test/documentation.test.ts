/**
 * Every environment variable the platform reads is documented: in the README's configuration
 * table, or in the docs/ page of the service that reads it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES } from '../src/kernel/services.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') &&
      !name.endsWith('.test.ts') &&
      !path.includes(`${join('src', 'policy', 'testing')}`)
      ? [path]
      : [];
  });
}

const SERVICE_URLS = new Set(SERVICE_NAMES.map((name) => `ACGS_${name.toUpperCase()}_URL`));

test('every environment variable read under src/ is documented in README.md or docs/', () => {
  const read = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /\b(ACGS_[A-Z][A-Z0-9_]*[A-Z0-9]|DATABASE_URL|REDIS_URL|NATS_URL|LOG_LEVEL)\b/g,
    )) {
      read.add(match[1]!);
    }
  }
  const docs = [
    readFileSync(join(root, 'README.md'), 'utf8'),
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => readFileSync(join(root, 'docs', name), 'utf8')),
  ].join('\n');
  const undocumented = [...read]
    .filter((name) => !(SERVICE_URLS.has(name) && docs.includes('ACGS_<SERVICE>_URL')))
    .filter((name) => !docs.includes(name))
    .sort();
  assert.ok(read.size > 10, `found ${read.size} variables`);
  assert.deepEqual(undocumented, []);
});
