import type { ServiceName } from './services.js';

/**
 * Every event on the bus. Loosely CloudEvents: a unique id (consumers dedupe on it, since delivery
 * is at least once), a dotted type, the service that emitted it, the time, and a JSON payload.
 * The bus subject is `acgs.<source>.<type>`.
 */
export interface EventEnvelope<Data = unknown> {
  readonly id: string;
  readonly type: string;
  readonly source: ServiceName;
  /** RFC 3339 time of emission. */
  readonly time: string;
  readonly data: Data;
  /**
   * W3C trace context of the publisher's span (the CloudEvents distributed-tracing extension),
   * set by the bus when tracing is on; never part of what the log records.
   */
  readonly traceparent?: string;
}

/** Event types known across services. Each later issue adds its own. */
export const EVENT_TYPES = {
  serviceStarted: 'service.started',
  constitutionPublished: 'constitution.version.published',
  // Security events of the Auth service (payloads in src/services/auth/security-events.ts).
  authLoginSucceeded: 'auth.login.succeeded',
  authLoginFailed: 'auth.login.failed',
  authAccountLocked: 'auth.account.locked',
  authAccountUnlocked: 'auth.account.unlocked',
  authRefreshReused: 'auth.refresh.reused',
  authLoggedOut: 'auth.session.revoked',
  authUserCreated: 'auth.user.created',
  authUserDisabled: 'auth.user.disabled',
  authApiKeyCreated: 'auth.apikey.created',
  authApiKeyRevoked: 'auth.apikey.revoked',
  authSigningKeyRotated: 'auth.signing-key.rotated',
  constitutionDraftUpdated: 'constitution.draft.updated',
  // Policy Governance Compiler (payloads below).
  policyBundleActivated: 'policy.bundle.activated',
  policyDecisionReview: 'policy.decision.review',
  policySigningKeyRotated: 'policy.signing-key.rotated',
  /** An admin's direct activation of a proved-narrowing bundle while a council sits. */
  policyBundleBreakGlass: 'policy.bundle.break-glass',
} as const;

export function subjectOf(event: Pick<EventEnvelope, 'source' | 'type'>): string {
  return `acgs.${event.source}.${event.type}`;
}

/** Payload of `service.started`: a service announces itself when it is ready. */
export interface ServiceStartedData {
  readonly instance: string;
  readonly version: string;
  readonly mode: 'embedded' | 'distributed';
}

/** Payload of `constitution.version.published`: a new version is active. */
export interface ConstitutionPublishedData {
  readonly number: number;
  readonly hash: string;
  readonly short: string;
  readonly name: string;
  readonly via: 'enact' | 'bootstrap';
  readonly publishedBy: string;
  readonly proposalId?: string;
  readonly draftId?: string;
  /** The hash of the version it replaces (absent for the first). */
  readonly previousHash?: string;
}

/** Payload of `constitution.draft.updated`: a draft was created or edited. */
export interface ConstitutionDraftUpdatedData {
  readonly draftId: string;
  readonly revision: number;
  readonly hash: string;
  readonly updatedBy: string;
}

/** Payload of `policy.bundle.activated`: every PGC replica loads this bundle and swaps to it. */
export interface PolicyBundleActivatedData {
  readonly bundleId: string;
  readonly constitutionHash: string;
  /** The bundle it replaces (absent for the first activation). */
  readonly previousBundleId?: string;
  readonly activatedBy: string;
  /** Monotonic activation number (the active pointer's generation). */
  readonly generation: number;
  /** The activator accepted invariants the verifier could not settle (docs/verification.md). */
  readonly acceptUnverifiedInvariants?: true;
}

/**
 * Payload of `policy.decision.review`: requests decided `review`, for the council's review queue.
 * One event per log entry of decisions (the PGC logs concurrent decisions together), carrying
 * every review decision of that entry and the entry's receipt (index null until an asynchronously
 * logged entry reaches the log).
 */
export interface PolicyDecisionReviewData {
  readonly bundleId: string;
  readonly constitutionHash: string;
  readonly leafHash: string;
  readonly index: number | null;
  readonly reviews: readonly {
    readonly decisionId: string;
    /** Where the decision sits in the entry's `payload.decisions`. */
    readonly position: number;
    readonly principalId: string | null;
    readonly actionType: string;
    /** SHA-256 of the request's canonical JSON (the request itself is not sent: PII). */
    readonly requestDigest: string;
    readonly matched: readonly { readonly policyId: string; readonly principles: readonly string[] }[];
    readonly reasons: readonly string[];
    readonly obligations: readonly unknown[];
  }[];
}
