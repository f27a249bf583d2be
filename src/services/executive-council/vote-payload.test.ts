/**
 * The signed vote payload, byte for byte as docs/council.md §4 states it: the documented template
 * filled in gives exactly the bytes the service verifies; a signature any Ed25519 implementation
 * makes over those bytes (here node:crypto directly, with the RFC 8032 test-vector key) is
 * accepted, and a change to any one field is not.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signVote, type VoteFields, verifyVote, votePayload } from './vote-payload.js';

const DOCS = fileURLToPath(new URL('../../../../docs/council.md', import.meta.url));

// RFC 8032 §7.1, test 1: the secret key (seed) and its public key.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC_KEY = Buffer.from(
  'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  'hex',
).toString('base64');
const PRIVATE_KEY = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(SEED, 'hex')]),
  format: 'der',
  type: 'pkcs8',
});

const FIELDS: VoteFields = {
  proposalId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  contentHash: 'ab'.repeat(32),
  choice: 'abstain',
  memberId: 'alice',
  time: '2026-12-07T23:59:59.123Z',
};

const EXPECTED =
  'acgs.council.vote.v1\n' +
  'proposal:0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\n' +
  `content:${'ab'.repeat(32)}\n` +
  'choice:abstain\n' +
  'voter:alice\n' +
  'time:2026-12-07T23:59:59.123Z\n';

/** The block of docs/council.md §4, its placeholders filled in from `fields`. */
function documentedPayload(fields: VoteFields): string {
  const docs = readFileSync(DOCS, 'utf8');
  const section = docs.slice(docs.indexOf('## 4. Signed votes, byte for byte'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'docs/council.md §4 has the payload block');
  return block
    .replace(/<proposal id[^>]*>/, fields.proposalId)
    .replace(/<content hash[^>]*>/, fields.contentHash)
    .replace('<yes|no|abstain>', fields.choice)
    .replace('<member id>', fields.memberId)
    .replace('<YYYY-MM-DDTHH:MM:SS.sssZ>', fields.time);
}

describe('the signed vote payload', () => {
  it('is exactly the documented bytes: six lines, each ending in 0x0A, nothing else', () => {
    const bytes = votePayload(FIELDS);
    assert.equal(bytes.toString('utf8'), EXPECTED);
    assert.deepEqual(bytes, Buffer.from(documentedPayload(FIELDS), 'utf8'));
    assert.equal(bytes.at(-1), 0x0a);
    assert.equal(bytes.filter((b) => b === 0x0a).length, 6);
    assert.equal(bytes.includes(0x0d), false, 'no carriage returns');
  });

  it('a signature made over the documented bytes by another signer verifies; a changed field does not', () => {
    const signature = sign(null, Buffer.from(EXPECTED, 'utf8'), PRIVATE_KEY).toString('base64');
    // Ed25519 is deterministic: the service's own signer gives the same signature.
    assert.equal(
      signVote(FIELDS, PRIVATE_KEY.export({ format: 'pem', type: 'pkcs8' }).toString()),
      signature,
    );
    assert.equal(verifyVote(FIELDS, signature, PUBLIC_KEY), true);
    const changed: Partial<VoteFields>[] = [
      { proposalId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c' },
      { contentHash: 'ac'.repeat(32) },
      { choice: 'yes' },
      { memberId: 'bob' },
      { time: '2026-12-07T23:59:59.124Z' },
    ];
    for (const change of changed)
      assert.equal(
        verifyVote({ ...FIELDS, ...change }, signature, PUBLIC_KEY),
        false,
        JSON.stringify(change),
      );
  });
});
