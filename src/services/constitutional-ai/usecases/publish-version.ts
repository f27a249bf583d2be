/**
 * Publishes a validated document as the next version: in one transaction it checks the hash is
 * new (and, for the bootstrap, that nothing is published yet), inserts the version, freezes the
 * draft it came from and commits the `constitution.version.published` event to the outbox.
 * Then the event goes to the bus and this process's responses carry the new hash.
 */
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import { commonErrors } from '../../../kernel/errors.js';
import { type ConstitutionPublishedData, EVENT_TYPES, type EventEnvelope } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import type { ValidatedConstitution } from '../constitution-validator.js';
import { constitutionErrors } from '../errors.js';

export interface PublishRequest {
  readonly validated: ValidatedConstitution;
  readonly via: 'enact' | 'bootstrap';
  readonly publishedBy: string;
  readonly proposalId?: string;
  readonly draftId?: string;
}

/** Concurrent publishers race for the next number; the loser retries this often. */
const MAX_ATTEMPTS = 5;

export async function publishVersion(
  deps: ConstitutionDeps,
  request: PublishRequest,
): Promise<ConstitutionVersion> {
  const { document } = request.validated;
  const { hash, short } = constitutionalHashOf(document);
  const nowMs = deps.clock.now();
  let number = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      number = await deps.store.transaction(async (tx) => {
        const latest = await deps.store.latestVersion(tx);
        if (request.via === 'bootstrap' && latest !== undefined) {
          throw constitutionErrors.create(
            'CONSTITUTION_ALREADY_BOOTSTRAPPED',
            `version ${latest.number} (${latest.short}) is published; later versions are enacted by the council`,
            { details: { activeHash: latest.hash, activeVersion: latest.number } },
          );
        }
        const existing = await deps.store.versionByHash(hash, tx);
        if (existing !== undefined) throw versionExists(existing);
        const next = (latest?.number ?? 0) + 1;
        await deps.store.insertVersion(
          tx,
          {
            hash,
            document,
            publishedBy: request.publishedBy,
            via: request.via,
            publishedMs: nowMs,
            ...(request.proposalId === undefined ? {} : { proposalId: request.proposalId }),
            ...(request.draftId === undefined ? {} : { draftId: request.draftId }),
          },
          next,
        );
        if (
          request.draftId !== undefined &&
          !(await deps.store.freezeDraft(tx, request.draftId, hash, next))
        ) {
          throw constitutionErrors.create(
            'CONSTITUTION_DRAFT_CONFLICT',
            `draft ${request.draftId} was published or changed while it was being published`,
          );
        }
        const data: ConstitutionPublishedData = {
          number: next,
          hash,
          short,
          name: document.name,
          via: request.via,
          publishedBy: request.publishedBy,
          ...(request.proposalId === undefined ? {} : { proposalId: request.proposalId }),
          ...(request.draftId === undefined ? {} : { draftId: request.draftId }),
          ...(latest === undefined ? {} : { previousHash: latest.hash }),
        };
        const event: EventEnvelope<ConstitutionPublishedData> = {
          id: newId(nowMs),
          type: EVENT_TYPES.constitutionPublished,
          source: 'ac',
          time: new Date(nowMs).toISOString(),
          data,
        };
        await deps.store.enqueue(tx, event, nowMs);
        return next;
      });
    } catch (error) {
      if (constitutionErrors.is(error, 'CONSTITUTION_ALREADY_BOOTSTRAPPED')) throw error;
      if (constitutionErrors.is(error, 'CONSTITUTION_VERSION_EXISTS')) throw error;
      if (constitutionErrors.is(error, 'CONSTITUTION_DRAFT_CONFLICT')) throw error;
      // A concurrent publisher took the number or the hash: report it as the conflict it is.
      const raced = await deps.store.versionByHash(hash);
      if (raced !== undefined) throw versionExists(raced);
      const latest = await deps.store.latestVersion();
      if (request.via === 'bootstrap' && latest !== undefined) {
        throw constitutionErrors.create(
          'CONSTITUTION_ALREADY_BOOTSTRAPPED',
          `version ${latest.number} is published`,
        );
      }
      // Another version took the number first (PostgreSQL, read committed): try the next number.
      if (attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
    break;
  }
  deps.compiled.put(hash, request.validated);
  // Only move the header forward: a slower concurrent publish must not roll it back.
  const current = await deps.store.latestHash();
  if (current !== undefined) deps.active.update(constitutionalHashFromHex(current.hash));
  deps.logger.info(
    { version: number, hash, via: request.via, by: request.publishedBy },
    'constitution version published',
  );
  // The change is committed with its event; the bus gets it in the background, so a slow or
  // unreachable bus never holds up (or fails) an acknowledged write.
  void deps.relay.flush();
  const version = await deps.store.versionByNumber(number);
  if (version === undefined)
    throw commonErrors.create('INTERNAL_ERROR', `version ${number} not found after commit`);
  return version;
}

/** The version already published with this text; `proposalId` lets an enactment retry see its own. */
function versionExists(existing: ConstitutionVersion) {
  const { number, hash, proposalId } = existing;
  return constitutionErrors.create(
    'CONSTITUTION_VERSION_EXISTS',
    `this constitution is already published as version ${number} (${hash.slice(0, 16)})`,
    { details: { version: number, hash, ...(proposalId === undefined ? {} : { proposalId }) } },
  );
}

export function constitutionalHashFromHex(hash: string) {
  return { hash, short: hash.slice(0, 16) };
}
