import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import type { StoredDraft } from '../store.js';
import { activeVocabulary, checkAsFieldErrors, policyInvalid } from './policy-diagnostics.js';

/** The draft revision an `If-Match` header names (`3` or `"3"`), undefined when absent or empty. */
function revisionOf(ifMatch: string | undefined): number | undefined {
  const value = ifMatch?.replaceAll('"', '').trim();
  if (value === undefined || value === '') return undefined;
  const revision = Number(value);
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw pgcErrors.create('PGC_POLICY_INVALID', 'If-Match must be a draft revision number', {
      errors: [{ pointer: '/headers/if-match', detail: 'expected a revision number such as "3"' }],
    });
  }
  return revision;
}

/**
 * Creates (revision undefined) or updates a policy draft. The policy must check against the
 * active constitution's vocabulary; errors name the field (`/body/condition`) and, for the
 * condition, the line and column inside it.
 */
export async function savePolicyDraft(
  deps: PgcDeps,
  policy: unknown,
  by: string,
  target:
    | { readonly create: true }
    | { readonly id: string; readonly revision?: number; readonly ifMatch?: string | undefined },
): Promise<StoredDraft> {
  const expected = 'create' in target ? undefined : (target.revision ?? revisionOf(target.ifMatch));
  const { vocabulary } = await activeVocabulary(deps);
  const { report, errors } = checkAsFieldErrors([policy], vocabulary, (_i, rest) => `/body${rest}`);
  if (!report.ok) throw policyInvalid(errors);
  const checked = report.checked[0]!.policy;
  const now = deps.clock.now();
  if ('create' in target) {
    return deps.store.transaction(async (tx) => {
      if ((await deps.store.draft(checked.id, tx)) !== undefined) {
        throw pgcErrors.create(
          'PGC_DRAFT_EXISTS',
          `a draft of policy ${checked.id} exists; update it instead`,
        );
      }
      await deps.store.insertDraft(tx, checked.id, checked, by, now);
      return (await deps.store.draft(checked.id, tx))!;
    });
  }
  if (checked.id !== target.id) {
    throw pgcErrors.create(
      'PGC_POLICY_INVALID',
      `the policy's id ${checked.id} is not the draft's id ${target.id}`,
      {
        errors: [{ pointer: '/body/id', detail: `must be ${target.id}, the id in the path` }],
      },
    );
  }
  return deps.store.transaction(async (tx) => {
    const current = await deps.store.draft(target.id, tx);
    if (current === undefined)
      throw pgcErrors.create('PGC_DRAFT_NOT_FOUND', `no draft of policy ${target.id}`);
    const revision = expected ?? current.revision;
    if (
      revision !== current.revision ||
      !(await deps.store.updateDraft(tx, target.id, revision, checked, by, now))
    ) {
      throw pgcErrors.create(
        'PGC_DRAFT_CONFLICT',
        `draft ${target.id} is at revision ${current.revision}, not ${revision}`,
        {
          details: { revision: current.revision },
        },
      );
    }
    return (await deps.store.draft(target.id, tx))!;
  });
}
