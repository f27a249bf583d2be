import type { ConsistencyProofView } from '../../../kernel/contracts/integrity.js';
import { assembleProof, assembleRoot, planConsistency, planRoot, toHex } from '../../../merkle/index.js';
import type { LogDeps } from '../log-deps.js';
import { proofSize } from './prove-inclusion.js';

/**
 * RFC 6962 consistency proof from tree size `from` to `to` (`to` defaults to the latest
 * checkpoint's), with both roots; every stored node needed is read in one query.
 */
export async function proveConsistency(
  deps: LogDeps,
  from: number,
  to: number | undefined,
): Promise<ConsistencyProofView> {
  const size2 = await proofSize(deps, to);
  const plan = planConsistency(from, size2);
  const fromPlan = planRoot(from);
  const toPlan = planRoot(size2);
  const nodes = await deps.store.readNodes([...plan.nodes, ...fromPlan.nodes, ...toPlan.nodes]);
  return {
    from,
    to: size2,
    fromRoot: toHex(assembleRoot(fromPlan, nodes)),
    toRoot: toHex(assembleRoot(toPlan, nodes)),
    proof: assembleProof(plan, nodes).map(toHex),
  };
}
