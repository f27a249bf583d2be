/**
 * `acgs council …` and `acgs review …` without a platform: every subcommand has help text naming
 * its options, keygen keeps the private key in a new 0600 file whose key signs votes that verify,
 * and the commands refuse before calling anything (no token, a bad choice). Against a running
 * platform they are exercised in test/e2e/council-embedded.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { signVote, verifyVote } from '../../services/executive-council/vote-payload.js';
import { registerCouncilCommands, runKeygen, runStatus, runVote } from './council.js';
import type { CommandIo } from './policy.js';
import { registerReviewCommands, runReviewClaim } from './review.js';

const dir = mkdtempSync(join(tmpdir(), 'acgs-cli-council-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

function leaves(command: Command, path: string[] = []): { path: string; command: Command }[] {
  const here = [...path, command.name()];
  if (command.commands.length === 0) return [{ path: here.join(' '), command }];
  return command.commands.flatMap((c) => leaves(c, here));
}

describe('acgs council and acgs review', () => {
  it('every subcommand has a description and help that names its options', () => {
    const program = new Command('acgs');
    registerCouncilCommands(program);
    registerReviewCommands(program);
    const found = program.commands.flatMap((c) => leaves(c, ['acgs']));
    assert.deepEqual(
      found.map((f) => f.path),
      [
        'acgs council keygen',
        'acgs council member add',
        'acgs council propose',
        'acgs council vote',
        'acgs council status',
        'acgs council audit',
        'acgs review list',
        'acgs review claim',
        'acgs review resolve',
      ],
    );
    for (const { path, command } of found) {
      assert.ok(command.description().length > 10, `${path} has a description`);
      const help = command.helpInformation();
      assert.ok(help.startsWith(`Usage: ${path}`), help);
      for (const option of command.options)
        assert.ok(help.includes(option.flags), `${path}: ${option.flags}`);
    }
  });

  it('keygen: prints the public key, keeps the private key in a new 0600 file, never overwrites it', () => {
    const file = join(dir, 'erin.key');
    const io = capture();
    assert.equal(runKeygen(file, 'erin', io), 0);
    const key = JSON.parse(readFileSync(file, 'utf8')) as {
      memberId: string;
      publicKey: string;
      privateKeyPem: string;
    };
    assert.deepEqual(io.stdout, [key.publicKey]);
    assert.equal(key.memberId, 'erin');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const fields = {
      proposalId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      contentHash: 'a'.repeat(64),
      choice: 'yes' as const,
      memberId: 'erin',
      time: '2026-12-07T23:00:00.000Z',
    };
    const signature = signVote(fields, key.privateKeyPem);
    assert.equal(verifyVote(fields, signature, key.publicKey), true);
    assert.equal(verifyVote({ ...fields, choice: 'no' }, signature, key.publicKey), false);
    // A refusal, not a stack trace: the file exists, or its folder does not.
    const again = capture();
    assert.equal(runKeygen(file, 'erin', again), 2);
    assert.deepEqual(again.stderr, [
      `acgs council keygen: cannot write ${file}: the file exists (a key is never overwritten)`,
    ]);
    const nowhere = capture();
    assert.equal(runKeygen(join(dir, 'missing', 'erin.key'), 'erin', nowhere), 2);
    assert.match(nowhere.stderr.join('\n'), /^acgs council keygen: cannot write .*missing.*ENOENT/);
  });

  it('refuses before calling the platform: a choice other than yes/no/abstain (1), no token (2)', async () => {
    const file = join(dir, 'dan.key');
    runKeygen(file, 'dan', capture());
    const bad = capture();
    assert.equal(await runVote('p', 'maybe', { key: file, url: 'http://127.0.0.1:9' }, bad, {}), 1);
    assert.match(bad.stderr[0]!, /choice must be yes, no or abstain, not maybe/);
    const noToken = capture();
    assert.equal(await runStatus(undefined, { url: 'http://127.0.0.1:9' }, noToken, {}), 2);
    assert.match(noToken.stderr[0]!, /acgs council status: needs the bearer token/);
    const noReviewer = capture();
    assert.equal(await runReviewClaim('d', { url: 'http://127.0.0.1:9' }, noReviewer, {}), 2);
    assert.match(noReviewer.stderr[0]!, /acgs review claim: needs the bearer token of a reviewer/);
  });
});
