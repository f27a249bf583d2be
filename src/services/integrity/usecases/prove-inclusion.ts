import type { InclusionProofView, InclusionQuery } from '../../../kernel/contracts/integrity.js';
import {
  assembleProof,
  assembleRoot,
  fromHex,
  hashEquals,
  nodeKey,
  planInclusion,
  planRoot,
  toHex,
  verifyInclusion,
} from '../../../merkle/index.js';
import { integrityErrors } from '../errors.js';
import type { LogDeps } from '../log-deps.js';

/**
 * Resolves a proof's tree size: the one asked for (which must not exceed the stored log), or the
 * latest checkpoint's, so the proof checks against a signed root.
 */
export async function proofSize(deps: LogDeps, size: number | undefined): Promise<number> {
  if (size === undefined) {
    const latest = await deps.store.latestCheckpoint();
    if (!latest) throw integrityErrors.create('LOG_NO_CHECKPOINT', 'no checkpoint has been signed yet');
    return latest.size;
  }
  // The sequencer knows its committed size; elsewhere the store is asked.
  if (size <= deps.sequencer.committedSize) return size;
  const stored = await deps.store.size();
  if (size > stored) {
    throw integrityErrors.create('LOG_SIZE_UNAVAILABLE', `the log holds ${stored} entries, not ${size}`, {
      details: { size: stored },
    });
  }
  return size;
}

/**
 * RFC 6962 inclusion proof of an entry (by index or leaf hash) in the tree of the given size, with
 * that tree's root and the entry's leaf hash: every stored node needed, and the entry, are read in
 * two concurrent primary-key queries.
 *
 * A proof is only served when it holds: the entry's text hashes to its leaf hash, the proof leads
 * from that leaf hash to the root, and — at the latest checkpoint's size — the root is the signed
 * one. Otherwise the store was altered: LOG_INTEGRITY_FAILED (500), reported to the self-check.
 */
export async function proveInclusion(deps: LogDeps, query: InclusionQuery): Promise<InclusionProofView> {
  const latest = query.size === undefined ? await deps.store.latestCheckpoint() : undefined;
  const size = latest?.size ?? (await proofSize(deps, query.size));
  let index: number;
  if ('leafHash' in query) {
    const found = await deps.store.indexOfLeafHash(fromHex(query.leafHash), size);
    if (found === undefined) {
      throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `no entry below size ${size} has that leaf hash`);
    }
    index = found;
  } else {
    index = query.index;
  }
  const plan = planInclusion(index, size);
  const rootPlan = planRoot(size);
  const leafId = { level: 0, index };
  const [nodes, row] = await Promise.all([
    deps.store.readNodes([...plan.nodes, ...rootPlan.nodes, leafId]),
    deps.store.entry(index),
  ]);
  const leafHash = nodes.get(nodeKey(leafId));
  if (leafHash === undefined || row === undefined)
    throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `the log has no entry ${index}`);
  deps.selfCheck.checkEntry(row, 'proof');
  const rootHash = assembleRoot(rootPlan, nodes);
  const proof = assembleProof(plan, nodes);
  if (
    !verifyInclusion(index, size, leafHash, proof, rootHash) ||
    (latest && !hashEquals(rootHash, latest.root))
  ) {
    throw deps.selfCheck.report({
      check: 'proof',
      index,
      message: `the stored nodes for entry ${index} in the tree of size ${size} do not lead to ${latest ? 'the signed root' : 'the tree root'}: the log's storage was altered`,
    });
  }
  return { index, size, leafHash: toHex(leafHash), rootHash: toHex(rootHash), proof: proof.map(toHex) };
}
