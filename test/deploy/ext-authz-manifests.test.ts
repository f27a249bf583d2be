/**
 * The Istio snippets for the external authorization endpoint (deploy/integrations/istio): the
 * AuthorizationPolicy validates as Istio's schema and names the provider the mesh config
 * registers; the mapping in the ConfigMap loads against the example constitution's vocabulary.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { parse, parseAllDocuments } from 'yaml';
import { loadHttpAuthzMapping } from '../../src/integrations/ext-authz/http-authz-mapping.js';
import { parseVocabulary } from '../../src/policy/vocabulary-parser.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = join(root, 'deploy', 'integrations', 'istio');

test('the AuthorizationPolicy is CUSTOM, valid, and uses the provider the mesh config registers', () => {
  const policy = new AuthorizationPolicy(parse(readFileSync(join(dir, 'authorization-policy.yaml'), 'utf8')));
  policy.validate();
  assert.equal(policy.spec?.action, 'CUSTOM');
  const mesh = parse(readFileSync(join(dir, 'mesh-config.yaml'), 'utf8')) as {
    extensionProviders: { name: string; envoyExtAuthzHttp: { failOpen: boolean; port: number } }[];
  };
  const provider = mesh.extensionProviders.find((p) => p.name === policy.spec?.provider?.name);
  assert.ok(provider, 'the provider is registered');
  assert.equal(provider.envoyExtAuthzHttp.failOpen, false);
  assert.equal(provider.envoyExtAuthzHttp.port, 9191);
});

test("the deployed mapping checks against the example constitution's vocabulary", () => {
  const docs = parseAllDocuments(readFileSync(join(dir, 'ext-authz.yaml'), 'utf8')).map((d) => d.toJS());
  const configMap = docs.find((d) => d.kind === 'ConfigMap') as { data: { 'mapping.yaml': string } };
  const constitution = parse(
    readFileSync(join(root, 'examples', 'constitution', 'constitution.yaml'), 'utf8'),
  ) as { vocabulary: unknown };
  const mapping = loadHttpAuthzMapping(
    'mapping.yaml',
    parseVocabulary(constitution.vocabulary),
    configMap.data['mapping.yaml'],
  );
  assert.equal(mapping.routes.length, 1);
});
