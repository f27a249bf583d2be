import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../kernel/config.js';
import type { ServiceName } from '../kernel/services.js';
import {
  newKeyEncryptionKey,
  openSecret,
  SecretEnvelope,
  sealSecret,
  useSecretEnvelope,
} from '../kit/secret-envelope.js';
import { KEK_FILE, setUpSecretEnvelope } from './secret-setup.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-secret-setup-'));
after(() => {
  useSecretEnvelope(new SecretEnvelope([]));
  rmSync(dir, { recursive: true, force: true });
});

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/none';
function setUp(service: ServiceName, env: Record<string, string>) {
  const config = loadConfig({ mode: 'distributed', service }, { ACGS_DATA_DIR: dir, ...env });
  setUpSecretEnvelope(config, env);
}

test('on PostgreSQL without a KEK, the services keeping secrets refuse to start, naming what to do', () => {
  for (const service of ['auth', 'pgc', 'integrity'] as const) {
    assert.throws(
      () => setUp(service, { DATABASE_URL: POSTGRES }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /ACGS_KEK/.test(error.message) &&
        /acgs kek generate/.test(error.message) &&
        error.message.includes(`${service} cannot start`),
    );
  }
});

test('on PostgreSQL without a KEK, another process starts but never stores a secret unsealed', () => {
  setUp('ac', { DATABASE_URL: POSTGRES });
  assert.throws(() => sealSecret('a private key'), ConfigError);
  assert.equal(openSecret('stored-before-sealing'), 'stored-before-sealing');
  assert.ok(!existsSync(join(dir, KEK_FILE)), 'no key file is made for a shared database');
});

test('with ACGS_KEK every process seals; on a SQLite file the data directory’s kek.key is generated', () => {
  setUp('pgc', { DATABASE_URL: POSTGRES, ACGS_KEK: newKeyEncryptionKey() });
  const sealed = sealSecret('a private key');
  assert.match(sealed, /^enc:v1:/);
  assert.equal(openSecret(sealed), 'a private key');
  setUp('pgc', {});
  assert.ok(existsSync(join(dir, KEK_FILE)));
  assert.match(sealSecret('a private key'), /^enc:v1:/);
});
