/**
 * Requests the engine has already decided in this verification, kept so that a later question a
 * known request answers costs no solver query. Only positive claims are answered this way ("these
 * two policies can both count", "this policy can count", "removing this policy changes this
 * request's decision"), and each answer is a request the compiled engine decided: a pool can save
 * a query, never turn an unproved claim into a proved one.
 */
import type { Effect, PolicyEngine } from '../../../policy/index.js';
import type { Witness } from '../verification-report.js';
import { replay } from './witness-replay.js';

const RANK: Record<Effect, number> = { allow: 1, review: 2, deny: 3 };

interface Entry {
  readonly witness: Witness;
  readonly matched: ReadonlySet<string>;
}

export class WitnessPool {
  readonly #entries: Entry[] = [];

  constructor(
    private readonly engine: PolicyEngine,
    /** Effect of each policy id of the set. */
    private readonly effects: ReadonlyMap<string, Effect>,
    private readonly defaultDecision: Effect,
  ) {}

  /** Decides `request` with the engine and keeps it; returns the witness (undefined: not a valid request). */
  add(request: Record<string, unknown>): Witness | undefined {
    const witness = replay(this.engine, request);
    if (witness !== undefined) this.#entries.push({ witness, matched: new Set(witness.matched) });
    return witness;
  }

  /** A kept request for which every one of `ids` counted. */
  allCounting(...ids: readonly string[]): Witness | undefined {
    return this.#entries.find((e) => ids.every((id) => e.matched.has(id)))?.witness;
  }

  /**
   * The engine's decision of `witness` without policy `id`: its combining (deny > review > allow,
   * else the default) over the policies that counted, less `id`. Every condition was evaluated by
   * the engine; only the combining is redone.
   */
  decisionWithout(witness: Witness, id: string): Effect {
    let rank = 0;
    for (const m of witness.matched) if (m !== id) rank = Math.max(rank, RANK[this.effects.get(m)!]);
    return rank === 3 ? 'deny' : rank === 2 ? 'review' : rank === 1 ? 'allow' : this.defaultDecision;
  }

  /** A kept request whose decision changes without policy `id`. */
  decisiveFor(id: string): Witness | undefined {
    return this.#entries.find(
      (e) => e.matched.has(id) && this.decisionWithout(e.witness, id) !== e.witness.decision,
    )?.witness;
  }
}
