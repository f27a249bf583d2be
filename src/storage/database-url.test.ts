import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parseDatabaseUrl, redactUrl } from './database-url.js';
import { storageErrors } from './errors.js';

test('parses PostgreSQL URLs', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://u:p@db:5432/acgs'), {
    dialect: 'postgres',
    connectionString: 'postgres://u:p@db:5432/acgs',
  });
  assert.equal(parseDatabaseUrl('postgresql://db/acgs').dialect, 'postgres');
});

test('parses SQLite URLs and bare paths', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite:data/acgs.db'), {
    dialect: 'sqlite',
    path: resolve('data/acgs.db'),
  });
  assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/acgs.db'), {
    dialect: 'sqlite',
    path: '/var/lib/acgs.db',
  });
  assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
  assert.deepEqual(parseDatabaseUrl('./acgs.db'), { dialect: 'sqlite', path: resolve('acgs.db') });
  assert.deepEqual(parseDatabaseUrl('/tmp/x.db'), { dialect: 'sqlite', path: '/tmp/x.db' });
});

test('rejects unsupported and empty URLs with STORAGE_URL_INVALID, without leaking passwords', () => {
  for (const url of ['', '   ', 'mysql://root:secret@db/acgs', 'sqlite:', 'postgres://']) {
    assert.throws(
      () => parseDatabaseUrl(url),
      (error) => {
        assert.ok(storageErrors.is(error, 'STORAGE_URL_INVALID'), `${url}: ${String(error)}`);
        assert.equal(JSON.stringify(error.details).includes('secret'), false);
        return true;
      },
    );
  }
  assert.equal(redactUrl('postgres://u:secret@h/db'), 'postgres://u:***@h/db');
});
