import type { ConsistencyProofView } from '../../../kernel/contracts/integrity.js';
import { proveConsistencyAsync, toHex, treeRootAsync } from '../../../merkle/index.js';
import type { LogDeps } from '../log-deps.js';
import { proofSize } from './prove-inclusion.js';

/** RFC 6962 consistency proof from tree size `from` to `to` (`to` defaults to the latest checkpoint). */
export async function proveConsistency(
  deps: LogDeps,
  from: number,
  to: number | undefined,
): Promise<ConsistencyProofView> {
  const size2 = await proofSize(deps, to);
  const [proof, fromRoot, toRoot] = await Promise.all([
    proveConsistencyAsync(deps.store, from, size2),
    treeRootAsync(deps.store, Math.min(from, size2)),
    treeRootAsync(deps.store, size2),
  ]);
  return { from, to: size2, fromRoot: toHex(fromRoot), toRoot: toHex(toRoot), proof: proof.map(toHex) };
}
