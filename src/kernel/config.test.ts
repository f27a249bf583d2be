import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('defaults: embedded on 127.0.0.1:8080 with all eight services and data in ./.acgs', () => {
  const config = loadConfig({ mode: 'embedded' }, {});
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.dataDir, './.acgs');
  assert.equal(config.services.length, 8);
  assert.equal(config.bodyLimitBytes, 1_048_576);
  assert.equal(config.shutdownTimeoutMs, 10_000);
  assert.equal(config.databaseUrl, undefined);
});

test('serve: the service’s own port, all interfaces, and service URLs from the environment', () => {
  const config = loadConfig(
    { mode: 'distributed', service: 'integrity' },
    { ACGS_AC_URL: 'http://ac.acgs.svc:8001', DATABASE_URL: 'postgres://u@db:5432/acgs' },
  );
  assert.equal(config.port, 8002);
  assert.equal(config.host, '0.0.0.0');
  assert.deepEqual(config.services, ['integrity']);
  assert.deepEqual(config.serviceUrls.ac, ['http://ac.acgs.svc:8001']);
  assert.deepEqual(config.serviceUrls.auth, ['http://127.0.0.1:8000']);
});

test('a service URL may list several replicas, comma-separated; each must be an http(s) URL', () => {
  const config = loadConfig(
    { mode: 'distributed', service: 'pgc' },
    { ACGS_INTEGRITY_URL: 'http://integrity-0:8002, http://integrity-1:8002' },
  );
  assert.deepEqual(config.serviceUrls.integrity, ['http://integrity-0:8002', 'http://integrity-1:8002']);
  assert.throws(
    () => loadConfig({ mode: 'distributed', service: 'pgc' }, { ACGS_INTEGRITY_URL: 'http://a:1,ftp://b' }),
    /ACGS_INTEGRITY_URL/,
  );
});

test('every bad variable is named with what it expects', () => {
  try {
    loadConfig(
      { mode: 'embedded' },
      {
        ACGS_PORT: '80a',
        DATABASE_URL: 'mysql://x@y/z',
        REDIS_URL: 'http://redis',
        LOG_LEVEL: 'loud',
        ACGS_SERVICES: 'auth,nope',
        ACGS_BODY_LIMIT: '12',
      },
    );
    assert.fail('expected a ConfigError');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const text = error.problems.join('\n');
    for (const variable of [
      'ACGS_PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'LOG_LEVEL',
      'ACGS_SERVICES',
      'ACGS_BODY_LIMIT',
    ]) {
      assert.match(text, new RegExp(`^${variable}: expected `, 'm'), `${variable} is named`);
    }
    assert.match(text, /ACGS_PORT: expected an integer from 1 to 65535, got "80a"/);
  }
});

test('ports out of range and empty values', () => {
  assert.throws(() => loadConfig({ mode: 'embedded' }, { ACGS_PORT: '70000' }), /ACGS_PORT/);
  assert.equal(loadConfig({ mode: 'embedded' }, { ACGS_PORT: '  ' }).port, 8080, 'blank means unset');
});

test('database URLs: postgres URLs, sqlite URLs and plain paths are accepted', () => {
  for (const url of ['postgres://a@b/c', 'postgresql://a@b:5/c', 'sqlite:/tmp/x.db', './data/acgs.db']) {
    assert.equal(loadConfig({ mode: 'embedded' }, { DATABASE_URL: url }).databaseUrl, url);
  }
});
