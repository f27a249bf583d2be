import type { ConstitutionalHash } from '../constitutional-hash.js';

/** A decision as the constitution speaks of it (the policy language's effects). */
export type ConstitutionDecision = 'allow' | 'deny' | 'review';

/**
 * Invariant: "for every request where `when` holds, the decision is never one of `forbid`".
 * `when` is a CEL predicate over the constitution's vocabulary.
 */
export interface Invariant {
  readonly id: string;
  readonly when: string;
  readonly forbid: readonly ConstitutionDecision[];
  readonly reason: string;
}

export interface Principle {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly category: string;
  /** Relative weight, 0–100. */
  readonly priority: number;
  readonly mandatory: boolean;
  readonly rationale: string;
  readonly keywords: readonly string[];
  readonly invariants: readonly Invariant[];
}

/** The kinds of council business; each has its own rule. */
export const PROPOSAL_KINDS = [
  'amend-constitution',
  'activate-policies',
  'activate-narrowing-policies',
  'retire-policy',
  'adopt-variant',
  'change-council',
] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** Named thresholds: yes / (yes + no) must be strictly greater than the value (unanimous: all yes). */
export const THRESHOLDS = { simple: 0.5, super: 0.667, qualified: 0.75, unanimous: 1 } as const;
export type ThresholdName = keyof typeof THRESHOLDS;

export interface CouncilRule {
  /** Share of the eligible voting weight that must vote, in (0, 1]. */
  readonly quorum: number;
  readonly threshold: ThresholdName;
  readonly votingWindowHours: number;
  readonly timelockHours: number;
}

/** One attribute of the vocabulary, in the normalized form a version stores. */
export interface VocabularyAttribute {
  readonly type: string;
  readonly required: boolean;
  readonly description?: string;
}

export interface Scenario {
  readonly id: string;
  readonly description: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly expected: ConstitutionDecision;
  readonly tags: readonly string[];
}

export interface ScenarioSuite {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly scenarios: readonly Scenario[];
}

/**
 * A constitution version's content, normalized (defaults filled in, vocabulary types in
 * canonical spelling). Its hash is SHA-256 over the RFC 8785 canonical JSON of this object.
 */
export interface ConstitutionDocument {
  readonly name: string;
  readonly description: string;
  readonly defaultDecision: ConstitutionDecision;
  readonly vocabulary: { readonly attributes: Readonly<Record<string, VocabularyAttribute>> };
  readonly principles: readonly Principle[];
  readonly councilRules: Readonly<Record<ProposalKind, CouncilRule>>;
  readonly scenarioSuites: readonly ScenarioSuite[];
}

/** A published, immutable version. */
export interface ConstitutionVersion {
  /** 1, 2, 3, … in order of publication. */
  readonly number: number;
  readonly hash: string;
  readonly short: string;
  readonly document: ConstitutionDocument;
  readonly publishedAt: string;
  readonly publishedBy: string;
  /** How it was published: the council's enactment or the admin bootstrap of the first version. */
  readonly via: 'enact' | 'bootstrap';
  readonly proposalId?: string;
  readonly draftId?: string;
}

/** What is enacted: a stored draft, or a document given in full. */
export type EnactSource = { readonly draftId: string } | { readonly document: unknown };

export interface EnactOptions {
  /** The council proposal that enacted it. */
  readonly proposalId: string;
  /** Who enacted it (the council member or service account closing the proposal). */
  readonly enactedBy: string;
}

/**
 * What other services may ask the Constitutional AI service. Implemented in-process by the
 * service itself (embedded mode) and over HTTP by its client (distributed mode).
 */
export interface ConstitutionContract {
  /** The hash of the active constitution version (of the empty constitution before the first). */
  activeHash(): Promise<ConstitutionalHash>;
  /** The active version, or undefined before the first is published. */
  activeVersion(): Promise<ConstitutionVersion | undefined>;
  /**
   * Publishes a new version on behalf of the council: validates it, stores it immutably, makes
   * it active and emits `constitution.version.published`. Throws CONSTITUTION_INVALID (with
   * every failing field) or CONSTITUTION_VERSION_EXISTS.
   */
  enact(source: EnactSource, options: EnactOptions): Promise<ConstitutionVersion>;
  /**
   * Validates a draft or document without publishing it: its normalized document and the hash it
   * would have (the council binds an amendment proposal to this hash). Throws CONSTITUTION_INVALID
   * or CONSTITUTION_DRAFT_NOT_FOUND.
   */
  resolve(source: EnactSource): Promise<ResolvedConstitution>;
}

/** A validated, normalized document and its constitutional hash. */
export interface ResolvedConstitution {
  readonly hash: string;
  readonly document: ConstitutionDocument;
  /** The number of the version already published with this hash, if any. */
  readonly publishedAs?: number;
}
