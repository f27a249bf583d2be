import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactRange } from './compact-range.js';
import { EMPTY_ROOT, fromHex, type Hash, hashLeaf, toHex } from './hash-rfc6962.js';
import { MemoryNodeStore } from './memory-node-store.js';
import { proveConsistency, proveInclusion, treeRoot } from './node-reader.js';
import { verifyConsistency, verifyInclusion } from './proof-verify.js';
import { ReferenceTree } from './reference-tree.js';

// The standard RFC 6962 vectors used by Certificate Transparency and transparency-dev/merkle.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);

const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

// Complete-subtree hashes by level, then index.
const NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

// Inclusion proofs (0-based leaf index) and consistency proofs from the same vector set.
const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

function hexes(hashes: readonly Hash[]): string[] {
  return hashes.map(toHex);
}

function storeOf(leaves: readonly Uint8Array[]): MemoryNodeStore {
  const store = new MemoryNodeStore();
  const range = CompactRange.empty();
  for (const leaf of leaves) range.append(hashLeaf(leaf), (id, hash) => store.put(id, hash));
  return store;
}

describe('RFC 6962 known answers', () => {
  const store = storeOf(LEAVES);
  const reference = new ReferenceTree(LEAVES);

  test('empty tree root is SHA-256 of the empty string', () => {
    assert.equal(toHex(EMPTY_ROOT), ROOTS[0]);
  });

  test('roots for sizes 0–8: reference tree, compact range and stored nodes all agree with the vectors', () => {
    const range = CompactRange.empty();
    for (let size = 0; size <= 8; size++) {
      assert.equal(toHex(reference.root(size)), ROOTS[size], `reference root ${size}`);
      assert.equal(toHex(range.root()), ROOTS[size], `compact range root ${size}`);
      assert.equal(toHex(treeRoot(store, size)), ROOTS[size], `stored root ${size}`);
      if (size < 8) range.append(hashLeaf(LEAVES[size]!));
    }
  });

  test('every complete subtree the appender stores matches the vector node hashes', () => {
    NODES.forEach((level, l) => {
      level.forEach((hash, i) => {
        const got = store.get({ level: l, index: i });
        assert.ok(got, `node ${l}/${i} stored`);
        assert.equal(toHex(got), hash);
      });
    });
    assert.equal(store.get({ level: 4, index: 0 }), undefined);
  });

  for (const vector of INCLUSION) {
    test(`inclusion proof for leaf ${vector.index} in tree ${vector.size}`, () => {
      assert.deepEqual(hexes(proveInclusion(store, vector.index, vector.size)), vector.proof);
      assert.deepEqual(hexes(reference.inclusionProof(vector.index, vector.size)), vector.proof);
      const root = fromHex(ROOTS[vector.size]!);
      const leafHash = hashLeaf(LEAVES[vector.index]!);
      const proof = vector.proof.map(fromHex);
      assert.equal(verifyInclusion(vector.index, vector.size, leafHash, proof, root), true);
      assert.equal(verifyInclusion(vector.index, vector.size, hashLeaf(fromHex('ff')), proof, root), false);
      assert.equal(verifyInclusion(vector.index, vector.size, leafHash, proof, EMPTY_ROOT), false);
    });
  }

  for (const vector of CONSISTENCY) {
    test(`consistency proof from ${vector.size1} to ${vector.size2}`, () => {
      assert.deepEqual(hexes(proveConsistency(store, vector.size1, vector.size2)), vector.proof);
      assert.deepEqual(hexes(reference.consistencyProof(vector.size1, vector.size2)), vector.proof);
      const root1 = fromHex(ROOTS[vector.size1]!);
      const root2 = fromHex(ROOTS[vector.size2]!);
      const proof = vector.proof.map(fromHex);
      assert.equal(verifyConsistency(vector.size1, vector.size2, proof, root1, root2), true);
      if (vector.size1 !== vector.size2) {
        assert.equal(
          verifyConsistency(vector.size1, vector.size2, proof, root2, root1),
          false,
          'swapped roots',
        );
        assert.equal(verifyConsistency(vector.size1, vector.size2, [], root1, root2), false, 'empty proof');
      }
    });
  }

  test('edge cases of consistency: empty first tree, equal sizes, time travel', () => {
    const root8 = fromHex(ROOTS[8]!);
    assert.equal(verifyConsistency(0, 8, [], EMPTY_ROOT, root8), true);
    assert.equal(verifyConsistency(0, 8, [], root8, root8), false, 'size 0 must have the empty root');
    assert.equal(verifyConsistency(0, 8, [root8], EMPTY_ROOT, root8), false, 'size 0 needs an empty proof');
    assert.equal(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT), true);
    assert.equal(verifyConsistency(0, 0, [], EMPTY_ROOT, root8), false, 'a size-0 tree has the empty root');
    assert.equal(verifyConsistency(8, 8, [], root8, root8), true);
    assert.equal(verifyConsistency(8, 8, [root8], root8, root8), false);
    assert.equal(verifyConsistency(8, 8, [], root8, EMPTY_ROOT), false);
    assert.equal(verifyConsistency(8, 7, [], root8, fromHex(ROOTS[7]!)), false);
    assert.deepEqual(proveConsistency(store, 0, 8), []);
    assert.deepEqual(proveConsistency(store, 8, 8), []);
  });

  test('inclusion verification rejects out-of-range index and sizes', () => {
    const leaf = hashLeaf(LEAVES[0]!);
    assert.equal(verifyInclusion(0, 0, leaf, [], EMPTY_ROOT), false);
    assert.equal(verifyInclusion(1, 1, leaf, [], leaf), false);
    assert.equal(verifyInclusion(0, 1, leaf, [], leaf), true);
    assert.equal(verifyInclusion(-1, 1, leaf, [], leaf), false);
    assert.equal(verifyInclusion(0.5, 1, leaf, [], leaf), false);
    assert.equal(verifyInclusion(0, 1, leaf.subarray(1), [], leaf), false, 'short leaf hash');
  });
});
