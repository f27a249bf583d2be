import { defineErrors } from '../kernel/errors.js';

/** Errors raised by the pure Merkle library; the integrity service maps them to responses. */
export const merkleErrors = defineErrors({
  LOG_RANGE_INVALID: { status: 400, title: 'Leaf index or tree size out of range' },
  LOG_HASH_MALFORMED: { status: 400, title: 'Hash is not 32 bytes' },
  LOG_NODE_MISSING: { status: 500, title: 'A stored tree node is missing' },
  LOG_FRONTIER_INVALID: { status: 500, title: 'Stored frontier does not match the tree size' },
  LOG_NOTE_MALFORMED: { status: 400, title: 'Signed note is malformed' },
  LOG_CHECKPOINT_MALFORMED: { status: 400, title: 'Checkpoint body is malformed' },
  LOG_NOTE_UNVERIFIED: { status: 400, title: 'Signed note has no valid signature from a known key' },
  LOG_KEY_MALFORMED: { status: 400, title: 'Key string is malformed' },
  LOG_ENTRY_MALFORMED: { status: 400, title: 'Log entry is malformed' },
  LOG_EXPORT_MALFORMED: { status: 400, title: 'Export line is malformed' },
});

/** The codes of merkleErrors. */
export type MerkleErrorCode = keyof typeof merkleErrors.specs;
