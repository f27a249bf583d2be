import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceCredentialHeaders } from './service-credentials.js';

test('service credentials come from ACGS_SERVICE_API_KEY, and are absent without it', () => {
  const key = `acgs_${'A'.repeat(12)}_${'b'.repeat(43)}`;
  assert.deepEqual(serviceCredentialHeaders({ ACGS_SERVICE_API_KEY: ` ${key}\n` }), { 'x-api-key': key });
  assert.deepEqual(serviceCredentialHeaders({ ACGS_SERVICE_API_KEY: '' }), {});
  assert.deepEqual(serviceCredentialHeaders({}), {});
});
