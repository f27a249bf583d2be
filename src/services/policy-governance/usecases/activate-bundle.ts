import { EVENT_TYPES, type PolicyBundleActivatedData } from '../../../kernel/events.js';
import { newId } from '../../../kernel/ids.js';
import type { GateFailure } from '../activation-gates.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import { verifiedAndCompiled } from './sync-active-bundle.js';

export interface Activation {
  readonly bundleId: string;
  readonly generation: number;
  readonly previousBundleId: string | null;
  readonly constitutionHash: string;
  readonly activatedAt: string;
  readonly activatedBy: string;
  /** Gates passed, with how many checks each ran. */
  readonly gates: readonly { readonly name: string }[];
}

export interface ActivationOptions {
  /**
   * Activate even when the verifier could not settle an invariant (`unknown`); a violated one is
   * refused regardless. The verifier records the choice with its report in the integrity log, the
   * activation event carries it, and the PGC logs a warning naming the activator.
   */
  readonly acceptUnverifiedInvariants?: boolean;
  /**
   * An activation that happens at most once for `by` (a council proposal's enactment): when the
   * active pointer already holds this bundle activated by `by` — a second replica repeating an
   * enactment, or a retry after a crash — that activation is returned and nothing moves.
   */
  readonly once?: boolean;
  /** Asked again after the gates, right before the pointer moves (the council's authority). */
  readonly stillAuthorised?: () => Promise<void>;
}

/**
 * Activates a stored bundle: its signature verifies, it targets the active constitution, it
 * type-checks against that constitution's vocabulary (compilation) and passes every activation
 * gate (every scenario of its pinned suites gets its expected decision). Then the active pointer
 * moves (a new generation), this replica swaps at once, and `policy.bundle.activated` tells the
 * others.
 */
export async function activateBundle(
  deps: PgcDeps,
  bundleId: string,
  by: string,
  options: ActivationOptions = {},
): Promise<Activation> {
  const stored = await deps.store.bundle(bundleId);
  if (stored === undefined) throw pgcErrors.create('PGC_BUNDLE_NOT_FOUND', `no bundle ${bundleId}`);
  const done = options.once ? await activatedBefore(deps, bundleId, by) : undefined;
  if (done !== undefined) return { ...done, constitutionHash: stored.constitutionHash, gates: [] };
  const version = await deps.constitution.activeVersion();
  if (version === undefined)
    throw pgcErrors.create('PGC_NO_CONSTITUTION', 'no constitution version is published');
  if (version.hash !== stored.constitutionHash) {
    throw pgcErrors.create(
      'PGC_CONSTITUTION_NOT_ACTIVE',
      `bundle ${bundleId} targets constitution ${stored.constitutionHash.slice(0, 16)}; the active one is ${version.short}`,
      { details: { bundleConstitutionHash: stored.constitutionHash, activeConstitutionHash: version.hash } },
    );
  }
  const loaded = await verifiedAndCompiled(deps, stored);
  const failures: GateFailure[] = [];
  const accepting = options.acceptUnverifiedInvariants === true;
  if (accepting)
    deps.logger.warn({ bundleId, by }, 'activation accepts invariants the verifier could not settle');
  const gateOptions = { by, ...(accepting ? { acceptUnverified: true } : {}) };
  for (const gate of deps.gates) failures.push(...(await gate.check(loaded, gateOptions)));
  if (failures.length > 0) {
    throw pgcErrors.create(
      'PGC_ACTIVATION_REFUSED',
      `${failures.length} activation check(s) failed: ${failures[0]!.subject}: ${failures[0]!.detail}`,
      {
        errors: failures.map((f) => ({ pointer: `/gates/${f.gate}/${f.subject}`, detail: f.detail })),
      },
    );
  }
  await options.stillAuthorised?.();
  const now = deps.clock.now();
  let previous: string | null = null;
  let generation = 0;
  for (let attempt = 0; ; attempt++) {
    let repeat = false;
    const won = await deps.store.transaction(async (tx) => {
      const pointer = await deps.store.active(tx);
      repeat = options.once === true && pointer?.bundleId === bundleId && pointer.activatedBy === by;
      if (repeat) return true;
      previous = pointer?.bundleId ?? null;
      generation = (pointer?.generation ?? 0) + 1;
      return deps.store.setActive(tx, bundleId, pointer?.generation ?? 0, by, now);
    });
    if (repeat) {
      const again = (await activatedBefore(deps, bundleId, by))!;
      return { ...again, constitutionHash: stored.constitutionHash, gates: [] };
    }
    if (won) break;
    if (attempt >= 10)
      throw pgcErrors.create('PGC_ACTIVATION_REFUSED', 'concurrent activations kept winning; retry');
  }
  deps.active.install({ ...loaded, generation });
  const data: PolicyBundleActivatedData = {
    bundleId,
    constitutionHash: stored.constitutionHash,
    ...(previous === null ? {} : { previousBundleId: previous }),
    activatedBy: by,
    generation,
    ...(accepting ? { acceptUnverifiedInvariants: true } : {}),
  };
  try {
    await deps.bus.publish({
      id: newId(now),
      type: EVENT_TYPES.policyBundleActivated,
      source: 'pgc',
      time: new Date(now).toISOString(),
      data,
    });
  } catch (error) {
    // The pointer is committed; other replicas also re-read it on a timer.
    deps.logger.warn({ err: error, bundleId, generation }, 'policy.bundle.activated not published');
  }
  return {
    bundleId,
    generation,
    previousBundleId: previous,
    constitutionHash: stored.constitutionHash,
    activatedAt: new Date(now).toISOString(),
    activatedBy: by,
    gates: deps.gates.map((g) => ({ name: g.name })),
  };
}

/** The active pointer as an activation, when it holds `bundleId` activated by `by`. */
async function activatedBefore(
  deps: PgcDeps,
  bundleId: string,
  by: string,
): Promise<Omit<Activation, 'constitutionHash' | 'gates'> | undefined> {
  const pointer = await deps.store.active();
  if (pointer?.bundleId !== bundleId || pointer.activatedBy !== by) return undefined;
  return {
    bundleId,
    generation: pointer.generation,
    previousBundleId: null,
    activatedAt: pointer.activatedAt,
    activatedBy: by,
  };
}
