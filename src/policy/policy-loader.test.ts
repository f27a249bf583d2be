import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkPolicies } from './policy-checker.js';
import { loadPolicies } from './policy-loader.js';

describe('policy directory loader', () => {
  it('loads the vocabulary and every document recursively, skipping dot-files and other extensions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acgs-policy-'));
    await writeFile(join(dir, 'vocabulary.yml'), 'attributes:\n  action.amount: double\n');
    await mkdir(join(dir, 'team', '.hidden'), { recursive: true });
    await writeFile(
      join(dir, 'a.yaml'),
      'id: a\ntarget: {actions: [pay]}\ncondition: action.amount > 1.0\neffect: deny\n',
    );
    await writeFile(
      join(dir, 'team', 'b.json'),
      '[{"id":"b","target":{"actions":["pay"]},"condition":"true","effect":"allow"}]',
    );
    await writeFile(join(dir, 'team', '.hidden', 'c.yaml'), 'not: a policy\n');
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    const loaded = await loadPolicies(dir);
    assert.deepEqual(loaded.diagnostics, []);
    assert.deepEqual(loaded.files, ['a.yaml', 'team/b.json', 'vocabulary.yml']);
    assert.deepEqual(
      loaded.policies.map((p) => p.policy.id),
      ['a', 'b'],
    );
    assert.equal(loaded.policies[1]!.source?.file, 'team/b.json');
    const report = checkPolicies(loaded.policies, loaded.vocabulary!);
    assert.equal(report.ok, true);
  });

  it('reports a missing or duplicated vocabulary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acgs-policy-'));
    assert.match((await loadPolicies(dir)).diagnostics[0]!.message, /no vocabulary\.yaml/);
    await writeFile(join(dir, 'vocabulary.yaml'), 'attributes: {}\n');
    await writeFile(join(dir, 'vocabulary.json'), '{"attributes": {}}');
    const loaded = await loadPolicies(dir);
    assert.equal(loaded.diagnostics.length, 1);
    assert.match(
      loaded.diagnostics[0]!.message,
      /more than one vocabulary file; 'vocabulary\.yaml' is ignored/,
    );
    assert.ok(loaded.vocabulary !== undefined);
  });
});
