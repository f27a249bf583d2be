/** Test support: an integrity log that only records what is appended (for the verifier's own tests). */
import type { IntegrityContract, LogAppendRequest } from '../../src/kernel/contracts/integrity.js';

export function recordingIntegrity(appended: LogAppendRequest[]): IntegrityContract {
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    append: async (entry) => {
      appended.push(entry);
      return { index: appended.length - 1, leafHash: '00' };
    },
    latestCheckpoint: unused,
    inclusionProof: unused,
    consistencyProof: unused,
  };
}
