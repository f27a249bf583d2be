import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { readPolicyCaseFiles } from '../../../test/support/policy-cases.js';
import { type CommandIo, registerPolicyCommands, runPolicyCheck, runPolicyEval } from './policy.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const examples = join(root, 'examples/standalone/policies');
const broken = join(root, 'examples/standalone/policies-broken');
const requests = join(root, 'examples/standalone/requests');

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe('acgs policy check', () => {
  it('accepts the shipped examples and reports the verifiable subset per policy', async () => {
    const io = capture();
    assert.equal(await runPolicyCheck(examples, {}, io), 0);
    assert.deepEqual(io.stderr, []);
    const text = io.stdout.join('\n');
    assert.match(text, /^ok {4}email\.deny-external-pii v1 {2}verifiable$/m);
    // Verifiable by the same definition the verifier uses (an all() over a list attribute).
    assert.match(text, /^ok {4}email\.allow-internal v1 {2}verifiable$/m);
    assert.match(text, /14 policies in 5 files: 0 errors/);
  });

  it('names the construct of a policy outside the verifiable subset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acgs-policy-'));
    await writeFile(join(dir, 'vocabulary.yaml'), 'attributes:\n  principal.id: string\n');
    await writeFile(
      join(dir, 'p.yaml'),
      'id: a\ntarget: {actions: [x]}\ncondition: "principal.id.matches(\'^a\')"\neffect: allow\n',
    );
    const io = capture();
    assert.equal(await runPolicyCheck(dir, {}, io), 0);
    assert.match(
      io.stdout.join('\n'),
      /^ok {4}a v1 {2}unverifiable: 'matches' is outside the verifiable subset: principal\.id\.matches\("\^a"\)$/m,
    );
  });

  it('reports every error in the broken examples with file, line and column', async () => {
    const io = capture();
    assert.equal(await runPolicyCheck(broken, {}, io), 1);
    const err = io.stderr.join('\n');
    assert.match(err, /^broken\.yaml:5:\d+: POLICY_PARSE_ERROR: broken\.syntax:/m);
    assert.match(
      err,
      /^broken\.yaml:10:\d+: POLICY_TYPE_ERROR: broken\.type: '>' cannot be applied to double and string .*: no matching overload for '_>_' applied to \(double, string\)/m,
    );
    assert.match(
      err,
      /^broken\.yaml:17:16: POLICY_TYPE_ERROR: broken\.unknown-attribute: unknown attribute 'context\.has_pii'/m,
    );
    assert.match(err, /^broken\.yaml:23:13: POLICY_INVALID: effect must be one of allow, deny, review/m);
    assert.match(err, /^broken\.yaml:25:\d+: POLICY_INVALID: duplicate policy id 'broken\.syntax'/m);
    assert.match(err, /^broken\.yaml:30:\d+: POLICY_INVALID: target is required/m);
    assert.match(err, /^not-yaml\.yaml:\d+:\d+: POLICY_PARSE_ERROR: /m);
    assert.equal(io.stderr.length, 7);
  });

  it('prints JSON with --json', async () => {
    const io = capture();
    assert.equal(await runPolicyCheck(broken, { json: true }, io), 1);
    const report = JSON.parse(io.stdout.join('\n'));
    assert.equal(report.ok, false);
    assert.equal(report.diagnostics.length, 7);
  });

  it('exits 2 for a missing directory and 1 for a directory without a vocabulary', async () => {
    const io = capture();
    assert.equal(await runPolicyCheck(join(root, 'no/such/dir'), {}, io), 2);
    const empty = await mkdtemp(join(tmpdir(), 'acgs-policy-'));
    await writeFile(
      join(empty, 'p.yaml'),
      'id: a\ntarget: {actions: [x]}\ncondition: "true"\neffect: allow\n',
    );
    const io2 = capture();
    assert.equal(await runPolicyCheck(empty, {}, io2), 1);
    assert.match(io2.stderr.join('\n'), /VOCABULARY_INVALID: no vocabulary\.yaml/);
  });
});

describe('acgs policy eval', () => {
  const decide = async (name: string, options = {}) => {
    const io = capture();
    const code = await runPolicyEval(examples, join(requests, `${name}.json`), options, io);
    return { code, io, result: code === 0 ? JSON.parse(io.stdout.join('\n')) : undefined };
  };

  it('decides the example requests', async () => {
    assert.equal((await decide('refund-small')).result.decision, 'allow');
    assert.equal((await decide('refund-large')).result.decision, 'review');
    const pii = await decide('email-external-pii');
    assert.equal(pii.result.decision, 'deny');
    assert.deepEqual(pii.result.obligations, [{ type: 'alert', channel: 'security' }]);
  });

  it('fails closed when the PII flag is missing', async () => {
    const { result } = await decide('email-missing-pii-flag');
    assert.equal(result.decision, 'deny');
    assert.deepEqual(result.errors.map((e: { policyId: string }) => e.policyId).sort(), [
      'email.allow-external-clean',
      'email.deny-external-pii',
    ]);
  });

  it('explains, per policy, applicability, match and the false sub-expression', async () => {
    const { result } = await decide('refund-large', { explain: true });
    assert.equal(result.decision.decision, 'review');
    const byId = new Map(result.policies.map((p: { policyId: string }) => [p.policyId, p]));
    assert.deepEqual(byId.get('refunds.allow-small'), {
      policyId: 'refunds.allow-small',
      version: 2,
      effect: 'allow',
      applicable: true,
      matched: false,
      counted: false,
      falseExpressions: ['action.amount <= 100.0'],
    });
    assert.equal((byId.get('email.review-bulk') as { applicable: boolean }).applicable, false);
    assert.equal((byId.get('refunds.review-above-limit') as { matched: boolean }).matched, true);
  });

  it('rejects an invalid request with every pointer (exit 1) and bad usage (exit 2)', async () => {
    const invalid = await decide('invalid-request');
    assert.equal(invalid.code, 1);
    const err = invalid.io.stderr.join('\n');
    assert.match(err, /\/principal\/roles: expected list<string>, got string/);
    assert.match(err, /\/action\/priority: unknown attribute 'action\.priority'/);
    const io = capture();
    assert.equal(await runPolicyEval(examples, join(requests, 'nope.json'), {}, io), 2);
    assert.equal(
      await runPolicyEval(examples, join(requests, 'refund-small.json'), { defaultDecision: 'maybe' }, io),
      2,
    );
    assert.equal(await runPolicyEval(broken, join(requests, 'refund-small.json'), {}, io), 1);
  });

  it('registers both commands on a commander program', () => {
    const program = new Command('acgs');
    registerPolicyCommands(program);
    const policy = program.commands.find((c) => c.name() === 'policy');
    assert.deepEqual(policy?.commands.map((c) => c.name()).sort(), ['check', 'eval']);
  });
});

describe('acgs policy eval over the semantics cases (test/cases/policy)', () => {
  for (const data of readPolicyCaseFiles().filter((f) => f.policies !== undefined && f.cases.length > 0)) {
    it(`${data.file}: every case decides as the case says`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'acgs-policy-cases-'));
      const requests = await mkdtemp(join(tmpdir(), 'acgs-policy-requests-'));
      await writeFile(join(dir, 'vocabulary.json'), JSON.stringify(data.vocabulary));
      await writeFile(join(dir, 'policies.json'), JSON.stringify(data.policies));
      for (const [i, c] of data.cases.entries()) {
        const requestFile = join(requests, `request-${i}.json`);
        await writeFile(requestFile, JSON.stringify(c.request));
        const io = capture();
        const code = await runPolicyEval(dir, requestFile, { defaultDecision: data.defaultDecision }, io);
        const name = `${data.file} case ${i}${c.note ? ` (${c.note})` : ''}`;
        if (c.requestError !== undefined) {
          assert.equal(code, 1, name);
          assert.match(io.stderr.join('\n'), /POLICY_REQUEST_INVALID/, name);
          assert.ok(
            io.stderr.some((line) => line.trim().startsWith(`${c.requestError}:`)),
            `${name}: ${io.stderr.join('\n')}`,
          );
          continue;
        }
        assert.equal(code, 0, `${name}: ${io.stderr.join('\n')}`);
        const result = JSON.parse(io.stdout.join('\n')) as {
          decision: string;
          matched: { policyId: string }[];
          errors: { policyId: string }[];
        };
        assert.equal(result.decision, c.decision, name);
        assert.deepEqual(result.matched.map((m) => m.policyId).sort(), [...(c.matched ?? [])].sort(), name);
        assert.deepEqual(result.errors.map((e) => e.policyId).sort(), [...(c.errors ?? [])].sort(), name);
      }
    });
  }
});
