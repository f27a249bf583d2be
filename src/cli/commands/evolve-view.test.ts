import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineageTree, progressBar } from './evolve-view.js';

describe('acgs evolve view', () => {
  it('draws the progress bar', () => {
    assert.equal(progressBar(0, 300, 10), '[..........]   0/300 0 %');
    assert.equal(progressBar(150, 300, 10), '[#####.....] 150/300 50 %');
    assert.equal(progressBar(300, 300, 10), '[##########] 300/300 100 %');
  });

  it('draws the lineage of the parents as a tree and marks the best one’s path', () => {
    const t = (correct: number) => ({ correct, total: 10, score: correct / 10 });
    const lines = lineageTree(
      [
        { id: 'v0', parentId: null, operator: null, note: 'base', status: 'admissible', training: t(5) },
        {
          id: 'v1',
          parentId: 'v0',
          operator: 'patch-failure',
          note: 'new allow',
          status: 'unverified',
          training: t(6),
        },
        {
          id: 'v2',
          parentId: 'v0',
          operator: 'retire-policy',
          note: 'x retired',
          status: 'regressed',
          training: t(4),
        },
        {
          id: 'v3',
          parentId: 'v1',
          operator: 'tighten-threshold',
          note: 'a > 1 → 2',
          status: 'admissible',
          training: t(8),
        },
        {
          id: 'v4',
          parentId: 'v0',
          operator: 'add-conjunct',
          note: 'c',
          status: 'unverified',
          training: t(5),
        },
      ],
      'v3',
    );
    assert.deepEqual(lines, [
      '* v0 [admissible] 5/10 0.500   base',
      '* ├─ v1 [unverified] 6/10 0.600  patch-failure new allow',
      '* │  └─ v3 [admissible] 8/10 0.800  tighten-threshold a > 1 → 2',
      '  └─ v4 [unverified] 5/10 0.500  add-conjunct c',
    ]);
  });
});
