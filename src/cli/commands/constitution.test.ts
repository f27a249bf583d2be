import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import {
  buildConstitutionServer,
  EXAMPLE_FILE,
  exampleConstitution,
  openConstitutionFixture,
} from '../../../test/support/constitution-fixture.js';
import { createTestTokenIssuer } from '../../../test/support/test-token-issuer.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import {
  runConstitutionDiff,
  runConstitutionExport,
  runConstitutionHash,
  runConstitutionPublish,
  runConstitutionValidate,
} from './constitution.js';

const issuer = await createTestTokenIssuer();

import type { CommandIo } from './policy.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-cli-constitution-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const example = exampleConstitution();
const hash = constitutionalHashOf(example.document);

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe('acgs constitution', () => {
  it('validate: the example is valid and its summary names the counts and the hash', async () => {
    const io = capture();
    assert.equal(await runConstitutionValidate(EXAMPLE_FILE, io), 0);
    assert.match(
      io.stdout[0]!,
      /12 principles, 22 invariants, 26 attributes, 4 scenario suites \(62 scenarios\)/,
    );
    assert.equal(io.stdout[1], `hash ${hash.hash}`);
  });

  it('validate: every error with file, line, column and field; exit 1', async () => {
    const text = readFileSync(EXAMPLE_FILE, 'utf8')
      .replace('context.risk_score > 0.8', "context.risk_score > '0.8'")
      .replace('expected: allow\n        tags: [payment]', 'expected: maybe\n        tags: [payment]');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, text);
    const io = capture();
    assert.equal(await runConstitutionValidate(file, io), 1);
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    assert.match(
      io.stderr.join('\n'),
      new RegExp(
        `broken\\.yaml:${lineOf('expected: maybe')}:\\d+: /scenarioSuites/1/scenarios/0/expected: must be one of allow, deny, review`,
      ),
    );
    assert.equal(io.stderr.at(-1), `${file}: 1 error`);
    const typeError = text.replace('expected: maybe', 'expected: allow');
    writeFileSync(file, typeError);
    const io2 = capture();
    assert.equal(await runConstitutionValidate(file, io2), 1);
    assert.match(
      io2.stderr[0]!,
      new RegExp(
        `broken\\.yaml:${lineOf("'0.8'")}:\\d+: /principles/3/invariants/0/when: POLICY_TYPE_ERROR: '>' cannot be applied to double and string .*: no matching overload for '_>_' applied to \\(double, string\\)`,
      ),
    );
  });

  it('hash: the same for the example in YAML and as reordered JSON; --short; exit 2 for a missing file', async () => {
    const json = join(dir, 'example.json');
    const raw = example.value as Record<string, unknown>;
    writeFileSync(json, JSON.stringify(Object.fromEntries(Object.entries(raw).reverse()), null, 3));
    for (const [file, short] of [
      [EXAMPLE_FILE, false],
      [json, false],
      [json, true],
    ] as const) {
      const io = capture();
      assert.equal(await runConstitutionHash(file, { short }, io), 0);
      assert.deepEqual(io.stdout, [short ? hash.short : hash.hash]);
    }
    const io = capture();
    assert.equal(await runConstitutionHash(join(dir, 'absent.yaml'), {}, io), 2);
  });

  it('diff: names added, removed and changed principles and their fields', async () => {
    const changed = structuredClone(example.value) as {
      principles: { id: string; priority: number }[];
      defaultDecision: string;
    };
    changed.principles = changed.principles.filter((p) => p.id !== 'transparency');
    changed.principles.find((p) => p.id === 'privacy')!.priority = 99;
    const care = changed.principles.find((p) => p.id === 'customer-care') as unknown as {
      invariants: { reason: string }[];
    };
    care.invariants[0]!.reason = 'Reworded.';
    changed.defaultDecision = 'review';
    const file = join(dir, 'changed.yaml');
    writeFileSync(file, stringify(changed));
    const io = capture();
    assert.equal(await runConstitutionDiff(EXAMPLE_FILE, file, {}, io), 0);
    assert.deepEqual(io.stdout, [
      '- principle transparency: Customers know when they talk to an AI',
      '~ principle privacy.priority: 95 → 99',
      '~ invariant care.read-own-tickets (principle customer-care)',
      '~ defaultDecision: "deny" → "review"',
    ]);
    const same = capture();
    assert.equal(await runConstitutionDiff(EXAMPLE_FILE, EXAMPLE_FILE, {}, same), 0);
    assert.deepEqual(same.stdout, ['identical']);
  });

  it('export: YAML and JSON that hash the same as the source', async () => {
    for (const json of [false, true]) {
      const io = capture();
      assert.equal(await runConstitutionExport(EXAMPLE_FILE, { json }, io), 0);
      const file = join(dir, json ? 'exported.json' : 'exported.yaml');
      writeFileSync(file, io.stdout.join('\n'));
      const hashed = capture();
      assert.equal(await runConstitutionHash(file, {}, hashed), 0);
      assert.deepEqual(hashed.stdout, [hash.hash]);
    }
  });

  it('publish: bootstraps a running service, then refuses (409); --draft creates a draft', async () => {
    const f = await openConstitutionFixture();
    const app = await buildConstitutionServer(f, issuer.authenticator);
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const io = capture();
      assert.equal(
        await runConstitutionPublish(
          EXAMPLE_FILE,
          { url, token: await issuer.token('ada', ['admin']) },
          io,
          {},
        ),
        0,
        io.stderr.join('\n'),
      );
      assert.deepEqual(io.stdout, [`published version 1 hash ${hash.hash}`]);
      const again = capture();
      assert.equal(
        await runConstitutionPublish(EXAMPLE_FILE, { url }, again, {
          ACGS_TOKEN: await issuer.token('ada', ['admin']),
        }),
        1,
      );
      assert.match(again.stderr[0]!, /409 CONSTITUTION_ALREADY_BOOTSTRAPPED/);
      const draft = capture();
      assert.equal(
        await runConstitutionPublish(
          EXAMPLE_FILE,
          { url, token: await issuer.token('paul', ['policy_author']), draft: true },
          draft,
          {},
        ),
        0,
      );
      assert.match(draft.stdout[0]!, new RegExp(`^draft [0-9a-f-]{36} revision 1 hash ${hash.hash}$`));
      const forbidden = capture();
      assert.equal(
        await runConstitutionPublish(
          EXAMPLE_FILE,
          { url, token: await issuer.token('audrey', ['auditor']), draft: true },
          forbidden,
          {},
        ),
        2,
      );
      assert.match(forbidden.stderr[0]!, /403 AUTH_FORBIDDEN/);
    } finally {
      await app.close();
      await f.close();
    }
  });

  it('publish: refuses without a token (2) and reports an unreachable platform (1)', async () => {
    const io = capture();
    assert.equal(await runConstitutionPublish(EXAMPLE_FILE, {}, io, {}), 2);
    assert.match(io.stderr[0]!, /needs the bearer token of an admin/);
    const io2 = capture();
    assert.equal(
      await runConstitutionPublish(EXAMPLE_FILE, { url: 'http://127.0.0.1:9', token: 't' }, io2, {}),
      1,
    );
    assert.match(io2.stderr[0]!, /did not answer/);
  });
});
