/**
 * The council's answer at enactment, for tests of the constitution service on its own: the test
 * records which proposal passed binding which content (as the council would after a vote), and
 * the service's authority check runs against that. The council service itself is tested with its
 * real tables (src/services/executive-council, test/e2e/council-embedded.test.ts).
 */

import { constitutionalHashOf } from '../../src/kernel/constitutional-hash.js';
import type { ProposalKind } from '../../src/kernel/contracts/constitution.js';
import type { CouncilContract, CouncilProposalStatus } from '../../src/kernel/contracts/council.js';
import { validateConstitution } from '../../src/services/constitutional-ai/constitution-validator.js';

export class PassedProposals implements CouncilContract {
  private readonly passed = new Map<string, CouncilProposalStatus>();

  /** Records that `proposalId` passed (timelock over) binding `contentHash`. */
  pass(proposalId: string, contentHash: string, kind: ProposalKind = 'amend-constitution'): void {
    this.passed.set(proposalId, {
      id: proposalId,
      kind,
      status: 'queued',
      contentHash,
      passedAt: '2026-01-01T00:00:00.000Z',
      enactableAt: '2026-01-01T00:00:00.000Z',
    });
  }

  /** Records that `proposalId` passed binding this constitution document (its normalized hash). */
  passDocument(proposalId: string, document: unknown): void {
    const result = validateConstitution(document);
    if (!result.ok)
      throw new Error(`passDocument: the document does not validate: ${result.errors[0]?.detail}`);
    this.pass(proposalId, constitutionalHashOf(result.document).hash);
  }

  async proposal(proposalId: string) {
    return this.passed.get(proposalId);
  }

  async seated() {
    return this.passed.size > 0;
  }

  async proposeRatification(): Promise<{ proposalId: string }> {
    throw new Error('not used by the constitution service');
  }

  async proposeVariantAdoption(): Promise<{ proposalId: string }> {
    throw new Error('not used by the constitution service');
  }

  async proposeActivation(): Promise<{ proposalId: string }> {
    throw new Error('not used by the constitution service');
  }
}
