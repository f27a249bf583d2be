/**
 * Pure library under the Integrity service's log: RFC 6962 hashing, proofs planned over stored
 * complete subtrees, an incremental appender, RFC 9162 verification, C2SP signed-note checkpoints,
 * the log-entry and export formats, and a streaming export verifier. No I/O; see docs/log-format.md.
 */

export { decodeBase64Strict, encodeBase64 } from './base64-strict.js';
export {
  type Checkpoint,
  type CheckpointVerification,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint-note.js';
export {
  appendLeaves,
  CompactRange,
  type Frontier,
  frontierNodeIds,
  type NodeWrite,
} from './compact-range.js';
export { type MerkleErrorCode, merkleErrors } from './errors.js';
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportCheckpoint,
  type ExportEntry,
  type ExportHeader,
  type ExportLine,
  formatExportCheckpoint,
  formatExportEntry,
  formatExportHeader,
  parseExportLine,
} from './export-format.js';
export {
  EMPTY_ROOT,
  fromHex,
  HASH_SIZE,
  type Hash,
  hashChildren,
  hashEquals,
  hashLeaf,
  hashLeafBinary,
  hashPrefixedLeafBinary,
  isHash,
  sha256,
  toHex,
} from './hash-rfc6962.js';
export {
  encodeLogEntry,
  type JsonValue,
  type LogEntry,
  logEntryLeafHash,
  logEntryProblem,
  MAX_PAYLOAD_DEPTH,
  nestsDeeperThan,
  parseLogEntry,
  WRITER_PATTERN,
} from './log-entry.js';
export { scanLogEntry } from './log-entry-scan.js';
export { MemoryNodeStore } from './memory-node-store.js';
export {
  type AsyncNodeReader,
  type NodeReader,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
  readProof,
  readProofAsync,
  treeRoot,
  treeRootAsync,
} from './node-reader.js';
export {
  ED25519_SIGNATURE_TYPE,
  formatKeyId,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  isValidKeyName,
  type NoteSignerKey,
  type NoteVerifierKey,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
  signerKeyFromPrivateKey,
  verifierKeyFromPublicKey,
  verifierKeyOf,
} from './note-keys.js';
export {
  assembleProof,
  assembleRoot,
  consistencyRanges,
  foldRight,
  inclusionRanges,
  type NodeLookup,
  type NodeMap,
  type ProofPlan,
  planConsistency,
  planInclusion,
  planRoot,
} from './proof-plan.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './proof-verify.js';
export { ReferenceTree } from './reference-tree.js';
export {
  formatSignatureLine,
  formatSignedNote,
  MAX_NOTE_SIGNATURES,
  type NoteSignature,
  type NoteVerification,
  openNote,
  parseSignedNote,
  SIGNATURE_PREFIX,
  type SignedNote,
  signNote,
  verifyNote,
} from './signed-note.js';
export {
  parseEntryLineFast,
  StreamVerifier,
  type StreamVerifierOptions,
  type VerifyIssue,
  type VerifyReport,
} from './stream-verifier.js';
export {
  bitLength,
  isPowerOfTwo,
  type LeafRange,
  type NodeId,
  nodeCoverage,
  nodeKey,
  popCount,
  rangeNodes,
  splitPoint,
} from './tree-math.js';
