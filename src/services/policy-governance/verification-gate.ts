/**
 * The formal verifier's activation gate: every invariant of the bundle's constitution must be
 * proved for the bundle's policies. A violated invariant fails the gate with its counterexample;
 * an `unknown` one fails it too unless the activation explicitly accepts unverified invariants
 * (the verifier records that choice in the log). When the verifier cannot be reached the gate
 * throws 503 and the activation changes nothing (fail closed).
 */
import { Counter, type Registry } from 'prom-client';
import type { VerificationContract, VerificationReport } from '../../kernel/contracts/verification.js';
import { PlatformError } from '../../kernel/errors.js';
import type { ActivationGate, GateFailure, GateOptions } from './activation-gates.js';
import { pgcErrors } from './errors.js';

export type RefusalReason = 'violated' | 'unknown' | 'unreachable';

/** `acgs_verification_refusals_total{reason}`: activations the gate refused. */
export function refusalCounter(registry: Registry): Counter<'reason'> {
  const existing = registry.getSingleMetric('acgs_verification_refusals_total');
  if (existing !== undefined) return existing as Counter<'reason'>;
  return new Counter({
    name: 'acgs_verification_refusals_total',
    help: 'Bundle activations refused by the formal verification gate, by reason (violated | unknown | unreachable)',
    labelNames: ['reason'],
    registers: [registry],
  });
}

export function verificationGate(
  verifier: Pick<VerificationContract, 'verify'>,
  refusals: Counter<'reason'>,
): ActivationGate {
  return {
    name: 'verification',
    async check(bundle, options?: GateOptions) {
      let report: VerificationReport;
      try {
        report = await verifier.verify({
          policies: bundle.stored.policies,
          constitutionHash: bundle.constitutionHash,
          constitution: bundle.stored.constitution,
          invariantsOnly: true,
          ...(options?.acceptUnverified ? { acceptUnverified: true } : {}),
          ...(options?.by === undefined ? {} : { requestedBy: options.by }),
        });
      } catch (error) {
        if (error instanceof PlatformError && error.status < 500) throw error;
        refusals.inc({ reason: 'unreachable' });
        throw pgcErrors.create(
          'PGC_VERIFIER_UNAVAILABLE',
          'the formal verifier cannot be reached; nothing was activated',
          {
            headers: { 'retry-after': '5' },
            cause: error,
          },
        );
      }
      const failures: GateFailure[] = [];
      for (const inv of report.invariants) {
        if (inv.status === 'violated') {
          const w = inv.counterexample!;
          failures.push({
            gate: 'verification',
            subject: inv.id,
            detail: `violated: ${inv.reason ?? ''} counterexample ${JSON.stringify(w.request)} is decided ${w.decision}, which the invariant forbids`,
          });
        } else if (inv.status === 'unknown' && !options?.acceptUnverified) {
          failures.push({
            gate: 'verification',
            subject: inv.id,
            detail: `not proved (${inv.reason ?? 'unknown'}); activate with acceptUnverifiedInvariants to accept it (recorded in the log)`,
          });
        }
      }
      if (failures.some((f) => f.detail.startsWith('violated'))) refusals.inc({ reason: 'violated' });
      else if (failures.length > 0) refusals.inc({ reason: 'unknown' });
      return failures;
    },
  };
}
