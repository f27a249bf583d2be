import type { Hash } from './hash-rfc6962.js';
import {
  assembleProof,
  assembleRoot,
  type NodeMap,
  type ProofPlan,
  planConsistency,
  planInclusion,
  planRoot,
} from './proof-plan.js';
import type { NodeId } from './tree-math.js';

/**
 * A store's read side: given the nodes of a plan, return those it holds, keyed by `nodeKey`.
 * One call per proof, so a SQL store answers with one query.
 */
export interface NodeReader {
  readNodes(ids: readonly NodeId[]): NodeMap;
}

/** NodeReader for stores whose reads are asynchronous (PostgreSQL, a tile server). */
export interface AsyncNodeReader {
  readNodes(ids: readonly NodeId[]): Promise<NodeMap>;
}

/** Reads a plan's nodes in one call and assembles the proof. */
export function readProof(reader: NodeReader, plan: ProofPlan): Hash[] {
  return assembleProof(plan, reader.readNodes(plan.nodes));
}

/** Async form of readProof. */
export async function readProofAsync(reader: AsyncNodeReader, plan: ProofPlan): Promise<Hash[]> {
  return assembleProof(plan, await reader.readNodes(plan.nodes));
}

/** RFC 6962 inclusion proof (PATH) for leaf `index` in the tree of `size` leaves, from stored nodes. */
export function proveInclusion(reader: NodeReader, index: number, size: number): Hash[] {
  return readProof(reader, planInclusion(index, size));
}

/** RFC 6962 consistency proof (PROOF) from tree size `size1` to `size2`, from stored nodes. */
export function proveConsistency(reader: NodeReader, size1: number, size2: number): Hash[] {
  return readProof(reader, planConsistency(size1, size2));
}

/** Root hash of the tree of `size` leaves, from at most log2(size) stored nodes. */
export function treeRoot(reader: NodeReader, size: number): Hash {
  const plan = planRoot(size);
  return assembleRoot(plan, reader.readNodes(plan.nodes));
}

/** Async form of proveInclusion, for stores whose reads return promises. */
export async function proveInclusionAsync(
  reader: AsyncNodeReader,
  index: number,
  size: number,
): Promise<Hash[]> {
  return readProofAsync(reader, planInclusion(index, size));
}

/** Async form of proveConsistency. */
export async function proveConsistencyAsync(
  reader: AsyncNodeReader,
  size1: number,
  size2: number,
): Promise<Hash[]> {
  return readProofAsync(reader, planConsistency(size1, size2));
}

/** Async form of treeRoot. */
export async function treeRootAsync(reader: AsyncNodeReader, size: number): Promise<Hash> {
  const plan = planRoot(size);
  return assembleRoot(plan, await reader.readNodes(plan.nodes));
}
