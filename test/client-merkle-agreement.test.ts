/**
 * The client package's copy of the log maths (packages/acgs-client/src/receipt-verify.ts) agrees
 * with src/merkle: every inclusion proof of trees up to 64 leaves leads both to the same root, a
 * tampered proof to neither, and checkpoints signed by src/merkle open with the copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openCheckpointNote, rootFromInclusionProof } from '../packages/acgs-client/src/receipt-verify.js';
import { signCheckpoint } from '../src/merkle/checkpoint-note.js';
import { formatVerifierKey, generateSignerKey } from '../src/merkle/note-keys.js';
import { rootFromInclusionProof as serverRoot } from '../src/merkle/proof-verify.js';
import { ReferenceTree } from '../src/merkle/reference-tree.js';

const hex = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

test('inclusion proofs: the copy computes the roots src/merkle computes', () => {
  const tree = new ReferenceTree();
  for (let size = 1; size <= 64; size++) {
    tree.append(new TextEncoder().encode(`leaf ${size}`));
    for (let index = 0; index < size; index++) {
      const proof = tree.inclusionProof(index, size);
      const leaf = tree.leafHash(index);
      const root = rootFromInclusionProof(index, size, leaf, proof);
      assert.equal(hex(root), hex(serverRoot(index, size, leaf, proof)));
      assert.equal(hex(root), hex(tree.root(size)));
      if (proof.length > 0) {
        const bad = proof.map((p) => new Uint8Array(p));
        bad[0]![0]! ^= 1;
        assert.notEqual(hex(rootFromInclusionProof(index, size, leaf, bad)), hex(tree.root(size)));
      }
    }
  }
});

test('checkpoints signed by src/merkle open with the copy, and only with the right key', () => {
  const key = generateSignerKey('vm/acgs');
  const tree = new ReferenceTree([new Uint8Array([1]), new Uint8Array([2])]);
  const note = signCheckpoint({ origin: 'vm/acgs', size: 2, root: tree.root() }, [key]);
  const opened = openCheckpointNote(note, [formatVerifierKey(key)]);
  assert.deepEqual(
    { ...opened, root: hex(opened?.root) },
    { origin: 'vm/acgs', size: 2, root: hex(tree.root()) },
  );
  assert.equal(openCheckpointNote(note, [formatVerifierKey(generateSignerKey('vm/acgs'))]), undefined);
  assert.equal(openCheckpointNote(note.replace('\n2\n', '\n3\n'), [formatVerifierKey(key)]), undefined);
});
