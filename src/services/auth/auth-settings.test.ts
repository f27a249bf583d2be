import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../kernel/config.js';
import { loadAuthSettings } from './auth-settings.js';

test('defaults are the documented ones: 15-minute tokens and lockouts, 5 failures, 7-day refresh', () => {
  const settings = loadAuthSettings({});
  assert.equal(settings.accessTokenTtlSeconds, 900);
  assert.equal(settings.refreshTokenTtlSeconds, 7 * 24 * 3600);
  assert.equal(settings.lockoutThreshold, 5);
  assert.equal(settings.lockoutMs, 15 * 60_000);
  assert.equal(settings.failureWindowMs, 15 * 60_000);
  assert.equal(settings.adminUsername, 'admin');
  assert.equal(settings.adminPassword, undefined);
});

test('bad values are all named at once', () => {
  assert.throws(
    () =>
      loadAuthSettings({
        ACGS_ADMIN_PASSWORD: 'short',
        ACGS_AUTH_LOCKOUT_MS: 'forever',
        ACGS_AUTH_LOGIN_RATE_PER_IP: '0',
        ACGS_ADMIN_USERNAME: 'a b',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = error.problems.join('\n');
      for (const name of [
        'ACGS_ADMIN_PASSWORD',
        'ACGS_AUTH_LOCKOUT_MS',
        'ACGS_AUTH_LOGIN_RATE_PER_IP',
        'ACGS_ADMIN_USERNAME',
      ])
        assert.match(text, new RegExp(name));
      assert.ok(!text.includes('short'), 'the rejected password is not echoed');
      return true;
    },
  );
});
