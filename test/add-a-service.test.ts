/**
 * docs/architecture.md's "How to add a service" stays true: every table its steps name has an
 * entry for every service, and every step's file exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROVIDER_OF, REMOTE_CLIENTS, SERVICE_CATALOGUE } from '../src/apps/service-catalogue.js';
import { SERVICE_MIGRATIONS } from '../src/apps/service-migrations.js';
import { SERVICE_NAMES, SERVICES } from '../src/kernel/services.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const checklist = (() => {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const start = text.indexOf('## How to add a service');
  assert.ok(start >= 0, 'docs/architecture.md has the checklist');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
})();

test('the checklist names each table the test checks, and its files exist', () => {
  for (const name of [
    'SERVICE_NAMES',
    'SERVICES',
    'SERVICE_CATALOGUE',
    'Contracts',
    'PROVIDER_OF',
    'REMOTE_CLIENTS',
    'SERVICE_MIGRATIONS',
    'AREAS',
  ]) {
    assert.match(checklist, new RegExp(`\`${name}\``), `the checklist names ${name}`);
  }
  for (const match of checklist.matchAll(/`((?:src|test|docs)\/[^`<>]+\.(?:ts|md))`/g)) {
    assert.ok(existsSync(join(root, match[1]!)), `${match[1]} exists`);
  }
});

test('every service has its entry in each table of the checklist', () => {
  assert.deepEqual(Object.keys(SERVICES).sort(), [...SERVICE_NAMES].sort());
  assert.deepEqual(Object.keys(SERVICE_CATALOGUE).sort(), [...SERVICE_NAMES].sort());
  assert.deepEqual(Object.keys(SERVICE_MIGRATIONS).sort(), [...SERVICE_NAMES].sort());
  assert.deepEqual(Object.keys(REMOTE_CLIENTS).sort(), Object.keys(PROVIDER_OF).sort());
  for (const provider of Object.values(PROVIDER_OF)) {
    assert.ok('provides' in SERVICE_CATALOGUE[provider], `${provider} is a provider in SERVICE_CATALOGUE`);
  }
});

test('every service directory has its service.ts and plugin.ts', () => {
  const services = join(root, 'src', 'services');
  const dirs = readdirSync(services);
  assert.equal(dirs.length, SERVICE_NAMES.length, `one directory per service: ${dirs.join(', ')}`);
  for (const dir of dirs) {
    for (const file of ['service.ts', 'plugin.ts']) {
      assert.ok(existsSync(join(services, dir, file)), `src/services/${dir}/${file}`);
    }
  }
});
