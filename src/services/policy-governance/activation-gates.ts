/**
 * What a bundle must pass before it may be activated. Each gate reports every failure; the
 * activation is refused (422 PGC_ACTIVATION_REFUSED) when any gate fails. The type check against
 * the constitution's vocabulary happens when the bundle is compiled; the scenario gate runs the
 * pinned suites. The formal verifier's gate (issue: Formal Verification) plugs in here as one
 * more `ActivationGate` handed to the service by the wiring layer.
 */
import { PlatformError } from '../../kernel/errors.js';
import type { LoadedBundle } from './active-bundle.js';

export interface GateFailure {
  readonly gate: string;
  /** What failed, e.g. the scenario id. */
  readonly subject: string;
  readonly detail: string;
}

/** What the activation asked for, beyond the bundle. */
export interface GateOptions {
  /** Accept invariants the verifier could not settle (`unknown`); recorded in the log. */
  readonly acceptUnverified?: boolean;
  /** Who activates. */
  readonly by?: string;
}

export interface ActivationGate {
  readonly name: string;
  check(bundle: LoadedBundle, options?: GateOptions): Promise<readonly GateFailure[]>;
}

/** Every scenario of the bundle's pinned suites must get its expected decision. */
export const scenarioGate: ActivationGate = {
  name: 'scenarios',
  async check(bundle) {
    const failures: GateFailure[] = [];
    const pinned = new Set(bundle.stored.suites);
    for (const suite of bundle.stored.constitution.scenarioSuites) {
      if (!pinned.has(suite.id)) continue;
      for (const scenario of suite.scenarios) {
        const subject = `${suite.id}/${scenario.id}`;
        try {
          const result = bundle.engine.decide(scenario.request);
          if (result.decision !== scenario.expected) {
            failures.push({
              gate: 'scenarios',
              subject,
              detail: `expected ${scenario.expected}, got ${result.decision} (${result.reasons.join('; ')})`,
            });
          }
        } catch (error) {
          failures.push({
            gate: 'scenarios',
            subject,
            detail: error instanceof PlatformError ? error.message : 'the request could not be decided',
          });
        }
      }
    }
    return failures;
  },
};
