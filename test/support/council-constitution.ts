/**
 * A service context whose constitution service bootstraps from a given document, and the example
 * constitution with an amendment rule that has no timelock — for council tests that pass and enact
 * amendments at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Migration } from 'kysely';
import { loadConfig } from '../../src/kernel/config.js';
import type { ServiceContext } from '../../src/kit/service-module.js';
import { signVote, type VoteChoice } from '../../src/services/executive-council/vote-payload.js';
import type { Database } from '../../src/storage/database.js';
import { exampleDocument } from './constitution-fixture.js';
import { openTestServiceContext } from './service-context.js';

/** The example constitution; amendments pass by simple majority of half the weight and enact at once. */
export function quickAmendmentDocument() {
  const example = exampleDocument();
  return {
    ...example,
    councilRules: {
      ...example.councilRules,
      'amend-constitution': { quorum: 0.5, threshold: 'simple', votingWindowHours: 1, timelockHours: 0 },
    },
  } as typeof example;
}

/** A test service context (embedded adapters, migrated) whose constitution service starts from `document`. */
export async function contextWithConstitution(
  database: Database,
  dir: string,
  document: unknown,
  migrations: Readonly<Record<string, Readonly<Record<string, Migration>>>>,
): Promise<ServiceContext> {
  const file = join(dir, 'constitution.json');
  writeFileSync(file, JSON.stringify(document));
  const opened = await openTestServiceContext(database, dir, migrations, 'unit');
  return {
    ...opened,
    config: loadConfig(
      { mode: 'embedded' },
      { ACGS_DATA_DIR: dir, ACGS_POLICY_DIR: 'none', ACGS_CONSTITUTION_FILE: file },
    ),
  };
}

/** A vote as `acgs council vote` makes it: signed with the member's private key, time now. */
export function signedVote(
  proposal: { readonly id: string; readonly contentHash: string },
  memberId: string,
  choice: VoteChoice,
  privateKeyPem: string,
) {
  const fields = {
    proposalId: proposal.id,
    contentHash: proposal.contentHash,
    choice,
    memberId,
    time: new Date().toISOString(),
  };
  return { ...fields, signature: signVote(fields, privateKeyPem) };
}
