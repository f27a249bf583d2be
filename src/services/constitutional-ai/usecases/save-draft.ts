/**
 * Drafts that authors edit: created from a document or from a published version (the active
 * one by default), replaced whole with optimistic concurrency (the revision the author last
 * read), and frozen once published. Every save emits `constitution.draft.updated`.
 */
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import {
  type ConstitutionDraftUpdatedData,
  EVENT_TYPES,
  type EventEnvelope,
} from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { constitutionErrors } from '../errors.js';
import type { StoredDraft } from '../store.js';
import { getVersion } from './get-version.js';
import { type DocumentBody, readDocument } from './read-document.js';

export type DraftStart = DocumentBody | { readonly fromVersion?: string };

export async function createDraft(
  deps: ConstitutionDeps,
  start: DraftStart,
  by: string,
): Promise<StoredDraft> {
  let document: ConstitutionDocument;
  if ('document' in start || 'yaml' in start) {
    document = readDocument(start).document;
  } else {
    document = (await getVersion(deps, start.fromVersion ?? 'active')).document;
  }
  const { hash } = constitutionalHashOf(document);
  const nowMs = deps.clock.now();
  const id = newId(nowMs);
  await deps.store.insertDraft(
    { id, revision: 1, document, hash, createdBy: by, updatedBy: by, nowMs },
    draftEvent({ draftId: id, revision: 1, hash, updatedBy: by }, nowMs),
  );
  // The change is committed with its event; the bus gets it in the background, so a slow or
  // unreachable bus never holds up (or fails) an acknowledged write.
  void deps.relay.flush();
  return (await deps.store.draft(id))!;
}

export async function updateDraft(
  deps: ConstitutionDeps,
  id: string,
  change: DocumentBody & { readonly revision: number },
  by: string,
): Promise<StoredDraft> {
  const { document } = readDocument(change);
  const { hash } = constitutionalHashOf(document);
  const nowMs = deps.clock.now();
  const outcome = await deps.store.updateDraft(
    id,
    change.revision,
    { document, hash, updatedBy: by, nowMs },
    draftEvent({ draftId: id, revision: change.revision + 1, hash, updatedBy: by }, nowMs),
  );
  if (outcome === 'missing')
    throw constitutionErrors.create('CONSTITUTION_DRAFT_NOT_FOUND', `no draft ${id}`);
  if (outcome === 'published') {
    const draft = await deps.store.draft(id);
    throw constitutionErrors.create(
      'CONSTITUTION_VERSION_IMMUTABLE',
      `draft ${id} was published as version ${draft?.publishedVersion}; published versions cannot be changed — create a new draft`,
      { details: { version: draft?.publishedVersion } },
    );
  }
  if (outcome === 'stale') {
    const draft = await deps.store.draft(id);
    throw constitutionErrors.create(
      'CONSTITUTION_DRAFT_CONFLICT',
      `draft ${id} is at revision ${draft?.revision}, not ${change.revision}; re-read it and apply the change again`,
      {
        details: { currentRevision: draft?.revision },
        errors: [{ pointer: '/body/revision', detail: `the draft is at revision ${draft?.revision}` }],
      },
    );
  }
  // The change is committed with its event; the bus gets it in the background, so a slow or
  // unreachable bus never holds up (or fails) an acknowledged write.
  void deps.relay.flush();
  return (await deps.store.draft(id))!;
}

export async function getDraft(deps: ConstitutionDeps, id: string): Promise<StoredDraft> {
  const draft = await deps.store.draft(id);
  if (draft === undefined) throw constitutionErrors.create('CONSTITUTION_DRAFT_NOT_FOUND', `no draft ${id}`);
  return draft;
}

function draftEvent(
  data: ConstitutionDraftUpdatedData,
  nowMs: number,
): EventEnvelope<ConstitutionDraftUpdatedData> {
  return {
    id: newId(nowMs),
    type: EVENT_TYPES.constitutionDraftUpdated,
    source: 'ac',
    time: new Date(nowMs).toISOString(),
    data,
  };
}
