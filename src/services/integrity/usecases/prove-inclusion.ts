import type { InclusionProofView, InclusionQuery } from '../../../kernel/contracts/integrity.js';
import {
  assembleProof,
  assembleRoot,
  fromHex,
  nodeKey,
  planInclusion,
  planRoot,
  toHex,
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
 * that tree's root and the entry's leaf hash: every stored node needed is read in one query.
 */
export async function proveInclusion(deps: LogDeps, query: InclusionQuery): Promise<InclusionProofView> {
  const size = await proofSize(deps, query.size);
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
  const nodes = await deps.store.readNodes([...plan.nodes, ...rootPlan.nodes, leafId]);
  const leafHash = nodes.get(nodeKey(leafId));
  if (leafHash === undefined)
    throw integrityErrors.create('LOG_ENTRY_NOT_FOUND', `the log has no entry ${index}`);
  return {
    index,
    size,
    leafHash: toHex(leafHash),
    rootHash: toHex(assembleRoot(rootPlan, nodes)),
    proof: assembleProof(plan, nodes).map(toHex),
  };
}
