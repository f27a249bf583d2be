/**
 * The evaluator's scenarios, copied out of the constitution version once and frozen: each
 * suite pinned by the SHA-256 of its canonical JSON, and every scenario assigned for good to one
 * split by the hash of its key (`suite/scenario`): within each suite, ordered by that hash,
 * every fourth scenario is held out; of the rest, every third is also in the cheap sample.
 * The split depends on nothing a variant or a seed can touch.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../kernel/canonical-json.js';
import type { ConstitutionDecision, ConstitutionDocument } from '../../../kernel/contracts/constitution.js';

export interface PinnedScenario {
  /** `suite/scenario` */
  readonly key: string;
  readonly suiteId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly expected: ConstitutionDecision;
}

export interface PinnedSuites {
  /** Suite id → SHA-256 of the suite's canonical JSON, as pinned when the evaluator was built. */
  readonly hashes: Readonly<Record<string, string>>;
  /** One hash over all of them. */
  readonly suitesHash: string;
  /** What the search is scored on. */
  readonly training: readonly PinnedScenario[];
  /** A subset of the training split, for the first, cheap stage. */
  readonly sample: readonly PinnedScenario[];
  /** Never scored while the search selects; only reported. */
  readonly heldOut: readonly PinnedScenario[];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function pinSuites(document: ConstitutionDocument): PinnedSuites {
  const hashes: Record<string, string> = {};
  const training: PinnedScenario[] = [];
  const sample: PinnedScenario[] = [];
  const heldOut: PinnedScenario[] = [];
  const all: PinnedScenario[] = [];
  for (const suite of [...document.scenarioSuites].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    hashes[suite.id] = sha256(canonicalJson(suite));
    for (const s of suite.scenarios)
      all.push(
        deepFreeze({
          key: `${suite.id}/${s.id}`,
          suiteId: suite.id,
          request: structuredClone(s.request) as Record<string, unknown>,
          expected: s.expected,
        }),
      );
  }
  const order = new Map(all.map((s) => [s.key, sha256(s.key)]));
  for (const decision of ['allow', 'review', 'deny'] as const) {
    const stratum = all
      .filter((s) => s.expected === decision)
      .sort((a, b) => (order.get(a.key)! < order.get(b.key)! ? -1 : 1));
    stratum.forEach((s, i) => {
      if (i % 4 === 3) heldOut.push(s);
      else {
        training.push(s);
        if (i % 3 === 0) sample.push(s);
      }
    });
  }
  return deepFreeze({
    hashes,
    suitesHash: sha256(canonicalJson(hashes)),
    training,
    sample,
    heldOut,
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
