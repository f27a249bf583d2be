/**
 * The platform's OpenAPI document (all eight services, as `GET /openapi.json` serves it) passes
 * Spectral's OpenAPI ruleset (`spectral:oas`, recommended rules) with no error and no warning, and
 * one casing for the whole public API: every schema property and every path or query parameter is
 * camelCase, with no exception.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import spectralCore from '@stoplight/spectral-core';
import spectralFunctions from '@stoplight/spectral-functions';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';
import { startPlatform } from '../../src/apps/platform.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kit/logger.js';
import { TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort } from '../support/platform-process.js';

const { Spectral, Document } = spectralCore;
const { casing } = spectralFunctions;
const { oas } = spectralRulesets;

/** The ruleset: Spectral's OpenAPI rules, plus camelCase for every field and parameter name. */
const RULESET = {
  extends: [[oas, 'recommended']],
  rules: {
    'acgs-camel-case-properties': {
      description: 'Every JSON field of the public API is camelCase',
      severity: 'error',
      given: '$..properties',
      // biome-ignore lint/suspicious/noThenProperty: Spectral's rule format names its action `then`
      then: { field: '@key', function: casing, functionOptions: { type: 'camel' } },
    },
    'acgs-camel-case-parameters': {
      description: 'Every path and query parameter is camelCase',
      severity: 'error',
      given: '$.paths[*][*].parameters[*].name',
      // biome-ignore lint/suspicious/noThenProperty: Spectral's rule format names its action `then`
      then: { function: casing, functionOptions: { type: 'camel' } },
    },
  },
} as never;

test('the OpenAPI document passes spectral:oas and the camelCase rules', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'acgs-openapi-'));
  process.env.ACGS_ADMIN_PASSWORD ??= TEST_ADMIN_PASSWORD;
  const config = loadConfig(
    { mode: 'embedded' },
    { ACGS_DATA_DIR: dataDir, ACGS_PORT: String(await freePort()), LOG_LEVEL: 'silent' },
  );
  const platform = await startPlatform(config, { logger: createLogger({ level: 'silent', base: {} }) });
  let text: string;
  try {
    const response = await platform.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    text = response.body;
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const document = JSON.parse(text) as { paths: Record<string, unknown> };
  assert.ok(Object.keys(document.paths).length > 40, 'every service is in the document');

  const spectral = new Spectral();
  spectral.setRuleset(RULESET);
  const results = await spectral.run(new Document(text, spectralParsers.Json, 'openapi.json'));
  // Severity 0 is an error, 1 a warning; hints and information are not failures.
  const failures = results
    .filter((r) => r.severity <= 1)
    .map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`);
  assert.deepEqual(failures, [], failures.join('\n'));

  // The rules do look: a snake_case field is caught.
  const broken = JSON.parse(text) as Record<string, unknown>;
  broken.components = {
    ...(broken.components as object),
    schemas: { Probe: { type: 'object', properties: { decision_id: { type: 'string' } } } },
  };
  const probe = await spectral.run(new Document(JSON.stringify(broken), spectralParsers.Json, 'probe.json'));
  assert.ok(probe.some((r) => r.code === 'acgs-camel-case-properties'));
});
