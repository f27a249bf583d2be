/**
 * Proposes an archived variant to the council as `adopt-variant`, bound to its bundle id. Only
 * a variant whose own verification proved every invariant may be proposed: an unverified,
 * inadmissible, regressed or invalid one is refused, whatever its scores. Nothing is activated.
 */
import type { CouncilContract } from '../../../kernel/contracts/council.js';
import { evolutionErrors } from '../errors.js';
import type { ArchiveEntry } from '../search/archive.js';

export async function proposeVariant(
  council: Pick<CouncilContract, 'proposeVariantAdoption'>,
  runId: string,
  entries: readonly ArchiveEntry[],
  variantId: string,
): Promise<{ readonly proposalId: string; readonly bundleId: string }> {
  const entry = entries.find((e) => e.id === variantId);
  if (entry === undefined)
    throw evolutionErrors.create('EVOLUTION_VARIANT_NOT_FOUND', `run ${runId} has no variant ${variantId}`);
  if (entry.status !== 'admissible' || entry.verification?.status !== 'proved' || entry.bundleId === null)
    throw evolutionErrors.create(
      'EVOLUTION_VARIANT_INADMISSIBLE',
      `variant ${variantId} is ${entry.status}${entry.verification?.violated.length ? ` (violates ${entry.verification.violated.join(', ')})` : ''}`,
    );
  const scores = entry.training!;
  const { proposalId } = await council.proposeVariantAdoption({
    bundleId: entry.bundleId,
    runId,
    variantId,
    summary: `${scores.correct}/${scores.total} training scenarios right, score ${scores.score.toFixed(3)}, ${scores.policyCount} policies`,
  });
  return { proposalId, bundleId: entry.bundleId };
}
