import type { LogCheckpointView } from '../../../kernel/contracts/integrity.js';
import { toHex } from '../../../merkle/index.js';
import { integrityErrors } from '../errors.js';
import type { LogDeps } from '../log-deps.js';
import type { StoredCheckpoint } from '../log-store.js';

export function checkpointView(origin: string, checkpoint: StoredCheckpoint): LogCheckpointView {
  return {
    origin,
    size: checkpoint.size,
    rootHash: toHex(checkpoint.root),
    note: checkpoint.note,
    signedAt: new Date(checkpoint.signedMs).toISOString(),
  };
}

/** The latest signed checkpoint (LOG_NO_CHECKPOINT before the sequencer has signed one). */
export async function readLatestCheckpoint(deps: LogDeps): Promise<LogCheckpointView> {
  const latest = await deps.store.latestCheckpoint();
  if (!latest) throw integrityErrors.create('LOG_NO_CHECKPOINT', 'no checkpoint has been signed yet');
  return checkpointView(deps.identity.origin, latest);
}
