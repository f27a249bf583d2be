/**
 * The merged OpenAPI document of the whole platform (all eight services in one process) is
 * complete: every operation declares a response schema for its success status, so clients can be
 * generated from it and Fastify compiles a serializer for every answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../test/support/platform-process.js';
import { loadConfig } from '../kernel/config.js';
import { createLogger } from '../kit/logger.js';
import { type RunningPlatform, startPlatform } from './platform.js';

interface Operation {
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema?: unknown }> }>;
}

describe('the merged OpenAPI document', () => {
  let dir: string;
  let platform: RunningPlatform;
  before(async () => {
    process.env.ACGS_ADMIN_PASSWORD ??= 'openapi-admin-password-0';
    dir = mkdtempSync(join(tmpdir(), 'acgs-openapi-'));
    const config = loadConfig(
      { mode: 'embedded' },
      {
        ACGS_DATA_DIR: dir,
        ACGS_PORT: String(await freePort()),
      },
    );
    platform = await startPlatform(config, { logger: createLogger({ level: 'silent', base: {} }) });
  });
  after(async () => {
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every operation a response schema for its success status', async () => {
    const document = (await (await fetch(`${platform.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );
    assert.ok(operations.length > 40, `only ${operations.length} operations`);
    const schemaOf = (response: Operation['responses'][string]) =>
      Object.values(response.content ?? {}).find((media) => media.schema !== undefined)?.schema;
    const incomplete = operations
      .filter(({ operation }) => {
        const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
        return (
          success.length === 0 ||
          success.some(([status, response]) => status !== '204' && schemaOf(response) === undefined)
        );
      })
      .map(({ name }) => name);
    assert.deepEqual(incomplete, []);
  });
});
