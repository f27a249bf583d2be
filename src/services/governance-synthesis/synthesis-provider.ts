/**
 * What produces candidate policies. Providers sit behind this one interface and are chosen per
 * job by name; the job runner does the rest (checking, verification, consensus, hand-over) the
 * same way for all of them.
 */
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import type { Policy } from '../../policy/index.js';
import { synthesizeBuiltin } from './builtin/builtin-synthesizer.js';
import type { CandidateReport } from './usecases/check-candidate.js';
import type { VerificationOutcome } from './usecases/verify-candidate.js';

export interface Candidate {
  readonly policies: readonly Policy[];
  /** The model that wrote it (`builtin` for the deterministic synthesizer). */
  readonly model: string;
  /** Model requests it took (0 for the builtin synthesizer). */
  readonly rounds: number;
  /** SHA-256 of the opening prompt (canonical JSON of the messages); absent without a model. */
  readonly promptHash?: string;
  /** The answers refused before this one (broken JSON, schema or checker errors, counterexamples), by round. */
  readonly repairs?: readonly { readonly round: number; readonly problem: string }[];
  /** The checks (and proof) a provider already ran on exactly these policies, so the job need not repeat them. */
  readonly report?: CandidateReport | (CandidateReport & VerificationOutcome);
}

/** Thrown by a provider whose model gave no valid candidate within its rounds, with what it was told to fix. */
export class CandidateNotRepaired extends Error {
  constructor(
    message: string,
    readonly repairs: readonly { readonly round: number; readonly problem: string }[],
  ) {
    super(message);
  }
}

/** What a job asks for besides the constitution: principles to cover and a goal in words. */
export interface SynthesisFocus {
  readonly principles?: readonly string[];
  readonly goal?: string;
}

export interface SynthesisProvider {
  readonly name: string;
  /** MUST stop (reject) promptly once `signal` aborts; MUST NOT log credentials or prompts' secrets. */
  synthesize(document: ConstitutionDocument, signal: AbortSignal, focus?: SynthesisFocus): Promise<Candidate>;
}

/** The deterministic synthesizer as a provider: no model, no network (it covers every principle). */
export const builtinProvider: SynthesisProvider = {
  name: 'builtin',
  async synthesize(document) {
    return { policies: synthesizeBuiltin(document).policies, model: 'builtin', rounds: 0 };
  },
};
