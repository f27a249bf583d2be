/**
 * The decision API's use case: decide with the bundle active at the start of the call, log the
 * decision (sync: durable in the integrity log before the answer; async: durable in the outbox),
 * announce `review` decisions, and answer with the receipt. A request that does not match the
 * vocabulary throws POLICY_REQUEST_INVALID (400) before anything is logged; in a batch, one invalid
 * request refuses the whole batch.
 */
import { randomUUID } from 'node:crypto';
import { PlatformError } from '../../../kernel/errors.js';
import type { Principal } from '../../../kernel/roles.js';
import { type DecisionResult, type Explanation, policyErrors } from '../../../policy/index.js';
import type { LoadedBundle } from '../active-bundle.js';
import type { DecisionRecord, LogMode, LogReceipt, ReviewItem } from '../decision-log.js';
import { pgcErrors } from '../errors.js';
import type { PgcDeps } from '../pgc-deps.js';
import { bindPrincipal } from '../principal-binding.js';
import type { PrincipalPseudonyms } from '../principal-pseudonyms.js';
import { requestDigest } from '../request-digest.js';

/** Most requests in one batch; more is 413 PGC_BATCH_TOO_LARGE. */
export const MAX_BATCH = 1000;

export interface DecideOptions {
  readonly explain: boolean;
  readonly mode: LogMode;
  /** The authenticated caller (subject of the token or API key). */
  readonly caller: string;
  /** The caller as the guard saw it: the principal it may decide as (see principal-binding.ts). */
  readonly principal: Principal;
}

export interface MatchedPolicyView {
  readonly policyId: string;
  readonly version: number;
  readonly effect: string;
  readonly principles: readonly string[];
  readonly error?: string;
}

export interface DecisionView {
  readonly decisionId: string;
  readonly decision: DecisionResult['decision'];
  readonly defaultApplied: boolean;
  readonly matchedPolicies: readonly MatchedPolicyView[];
  readonly principles: readonly string[];
  readonly obligations: DecisionResult['obligations'];
  readonly reasons: readonly string[];
  readonly errors: DecisionResult['errors'];
  readonly evaluationTimeMs: number;
  readonly explanation?: Explanation['policies'];
}

export interface DecisionResponse extends DecisionView {
  readonly constitutionalHash: string;
  readonly bundleId: string;
  readonly logReceipt: LogReceipt;
}

export interface BatchResponse {
  readonly batchId: string;
  readonly constitutionalHash: string;
  readonly bundleId: string;
  /** The log entry that holds the batch; decision i is at `position` inside its `payload.decisions`. */
  readonly logReceipt: LogReceipt;
  readonly decisions: readonly (DecisionView & { readonly position: number })[];
}

interface Decided {
  readonly id: string;
  readonly request: Record<string, unknown>;
  readonly result: DecisionResult;
  readonly evaluationMs: number;
  readonly explanation: Explanation | undefined;
}

export async function decideOne(
  deps: PgcDeps,
  request: unknown,
  options: DecideOptions,
): Promise<DecisionResponse> {
  const started = performance.now();
  const bundle = deps.active.require();
  const decided = decideWith(
    bundle,
    bindPrincipal(request, options.principal, '/body'),
    options.explain,
    '/body',
  );
  const record = recordOf(decided, options.caller, deps.principalIds);
  const receipt = await deps.log.write(bundle, [record], options.mode, reviewsOf([decided], [record]));
  deps.metrics.decided(decided.result.decision);
  deps.metrics.observe((performance.now() - started) / 1000);
  return {
    ...viewOf(decided),
    constitutionalHash: bundle.constitutionHash,
    bundleId: bundle.id,
    logReceipt: receipt,
  };
}

export async function decideBatch(
  deps: PgcDeps,
  requests: readonly unknown[],
  options: DecideOptions,
): Promise<BatchResponse> {
  if (requests.length > MAX_BATCH) {
    throw pgcErrors.create(
      'PGC_BATCH_TOO_LARGE',
      `a batch holds at most ${MAX_BATCH} requests, got ${requests.length}`,
      {
        errors: [{ pointer: '/body/requests', detail: `must hold at most ${MAX_BATCH} requests` }],
      },
    );
  }
  const started = performance.now();
  const bundle = deps.active.require();
  const decided = requests.map((request, i) => {
    const pointer = `/body/requests/${i}`;
    return decideWith(bundle, bindPrincipal(request, options.principal, pointer), options.explain, pointer);
  });
  const batchId = randomUUID();
  const records = decided.map((d) => recordOf(d, options.caller, deps.principalIds));
  const receipt = await deps.log.write(bundle, records, options.mode, reviewsOf(decided, records));
  for (const d of decided) deps.metrics.decided(d.result.decision);
  deps.metrics.observe((performance.now() - started) / 1000 / Math.max(1, decided.length), decided.length);
  return {
    batchId: batchId,
    constitutionalHash: bundle.constitutionHash,
    bundleId: bundle.id,
    logReceipt: receipt,
    decisions: decided.map((d, i) => ({ ...viewOf(d), position: receipt.position + i })),
  };
}

function decideWith(bundle: LoadedBundle, request: unknown, explain: boolean, pointer: string): Decided {
  const t0 = performance.now();
  let result: DecisionResult;
  let explanation: Explanation | undefined;
  try {
    if (explain) {
      explanation = bundle.engine.explain(request);
      result = explanation.decision;
    } else {
      result = bundle.engine.decide(request);
    }
  } catch (error) {
    throw rebased(error, pointer);
  }
  return {
    id: randomUUID(),
    request: request as Record<string, unknown>,
    result,
    evaluationMs: performance.now() - t0,
    explanation,
  };
}

/** POLICY_REQUEST_INVALID with pointers relative to where the request sits in the HTTP body. */
function rebased(error: unknown, pointer: string): unknown {
  if (!(error instanceof PlatformError) || error.code !== 'POLICY_REQUEST_INVALID') return error;
  const errors = (error.errors ?? []).map((e) => ({ ...e, pointer: `${pointer}${e.pointer}` }));
  return policyErrors.create(
    'POLICY_REQUEST_INVALID',
    errors.length > 0 ? `${errors[0]!.pointer}: ${errors[0]!.detail}` : error.message,
    {
      errors,
    },
  );
}

/**
 * What the log keeps of a decision. Not the request itself: requests may carry personal data
 * (recipients, customer attributes) and the log is append-only and exported to auditors. The
 * SHA-256 of the request's canonical JSON lets anyone who holds the request prove it was the
 * one decided; the principal's pseudonym, the action type and the caller's pseudonym say who did
 * what, without naming anyone (docs/security.md, "Personal data").
 */
function recordOf(d: Decided, caller: string, principalIds: PrincipalPseudonyms): DecisionRecord {
  const id = principalIdOf(d);
  const action = d.request.action as { type: string };
  return [
    d.id,
    d.result.decision,
    requestDigest(d.request),
    id === null ? null : principalIds.of(id),
    action.type,
    caller,
    d.result.matched.map((m) => `${m.policyId}@${m.version}${m.error === undefined ? '' : '!'}`),
  ];
}

function viewOf(d: Decided): DecisionView {
  const principles = new Set<string>();
  const matched = d.result.matched.map((m): MatchedPolicyView => {
    for (const p of m.principles) principles.add(p);
    return {
      policyId: m.policyId,
      version: m.version,
      effect: m.effect,
      principles: m.principles,
      ...(m.error === undefined ? {} : { error: m.error }),
    };
  });
  return {
    decisionId: d.id,
    decision: d.result.decision,
    defaultApplied: d.result.defaultApplied,
    matchedPolicies: matched,
    principles: [...principles],
    obligations: d.result.obligations,
    reasons: d.result.reasons,
    errors: d.result.errors,
    evaluationTimeMs: Math.round(d.evaluationMs * 1000) / 1000,
    ...(d.explanation === undefined ? {} : { explanation: d.explanation.policies }),
  };
}

function principalIdOf(d: Decided): string | null {
  const principal = d.request.principal as { id?: unknown } | undefined;
  return typeof principal?.id === 'string' ? principal.id : null;
}

/**
 * The review decisions among `decided`, with what the council needs to open a task: the principal
 * by its id (the reviewer must know who asked; the announcement is not logged, and the council
 * keeps it in its own table).
 */
function reviewsOf(decided: readonly Decided[], records: readonly DecisionRecord[]): ReviewItem[] {
  const reviews: ReviewItem[] = [];
  decided.forEach((d, offset) => {
    if (d.result.decision !== 'review') return;
    const [, , requestDigest, , actionType] = records[offset]!;
    reviews.push({
      offset,
      decisionId: d.id,
      principalId: principalIdOf(d),
      actionType,
      requestDigest,
      matched: d.result.matched.map((m) => ({ policyId: m.policyId, principles: m.principles })),
      reasons: d.result.reasons,
      obligations: d.result.obligations,
    });
  });
  return reviews;
}
