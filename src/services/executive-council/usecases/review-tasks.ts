/**
 * The human review queue (docs/council.md §7): `policy.decision.review` events become tasks;
 * reviewers claim one (a lease that expires) and resolve it approve (allow) or reject (deny);
 * unclaimed tasks past their deadline resolve to the constitution's default decision (deny when
 * that default is itself `review`). Every opening and resolution is logged; the agent reads the
 * outcome by decision id.
 */
import { createHash } from 'node:crypto';
import type { EventEnvelope, PolicyDecisionReviewData } from '../../../kernel/events.js';
import { type CouncilDeps, councilEvent } from '../council-deps.js';
import { COUNCIL_EVENTS, type ReviewOpenedData, type ReviewResolvedData } from '../council-events.js';
import { councilErrors } from '../errors.js';
import type { ReviewTask } from '../store.js';

export const DEFAULT_QUEUE = 'default';

/** The queue an obligation names (`{ queue: 'finance-review' }`), else `default`. */
export function queueOf(obligations: readonly unknown[]): string {
  for (const o of obligations) {
    const queue = (o as { queue?: unknown } | null)?.queue;
    if (typeof queue === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(queue)) return queue;
  }
  return DEFAULT_QUEUE;
}

/** The deadline an obligation names (`{ deadlineSeconds: 3600 }`), else the setting's default. */
function deadlineSecondsOf(obligations: readonly unknown[], fallback: number): number {
  for (const o of obligations) {
    const seconds = (o as { deadlineSeconds?: unknown } | null)?.deadlineSeconds;
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 && seconds <= 30 * 86_400)
      return seconds;
  }
  return fallback;
}

/** Turns one review event into tasks (a redelivered event adds nothing), announced by one event. */
export async function openReviewTasks(
  deps: CouncilDeps,
  event: EventEnvelope<PolicyDecisionReviewData>,
): Promise<number> {
  const nowMs = deps.clock.now();
  const decidedMs = Number.isFinite(Date.parse(event.time)) ? Date.parse(event.time) : nowMs;
  const opened: ReviewOpenedData['reviews'][number][] = [];
  await deps.store.transaction(async (tx) => {
    const tasks = (event.data.reviews ?? []).map((review): ReviewTask => {
      const obligations = review.obligations ?? [];
      return {
        decisionId: review.decisionId,
        queue: queueOf(obligations),
        status: 'open',
        principalId: review.principalId,
        actionType: review.actionType,
        requestDigest: review.requestDigest,
        matched: review.matched ?? [],
        reasons: review.reasons ?? [],
        obligations,
        bundleId: event.data.bundleId,
        leafHash: event.data.leafHash,
        logIndex: event.data.index,
        decidedMs,
        receivedMs: nowMs,
        deadlineMs: nowMs + deadlineSecondsOf(obligations, deps.settings.reviewDeadlineSeconds) * 1000,
        claimedBy: null,
        claimUntilMs: null,
        outcome: null,
        via: null,
        resolvedBy: null,
        comment: null,
        resolvedMs: null,
      };
    });
    const inserted = await deps.store.insertTasks(tx, tasks);
    for (const task of tasks) {
      if (!inserted.delete(task.decisionId)) continue; // already open, or twice in this event
      opened.push({
        decisionId: task.decisionId,
        queue: task.queue,
        deadline: new Date(task.deadlineMs).toISOString(),
      });
    }
    if (opened.length === 0) return;
    const data: ReviewOpenedData = { leafHash: event.data.leafHash, reviews: opened };
    await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.reviewOpened, data, nowMs), nowMs);
  });
  if (opened.length > 0) void deps.relay.flush();
  return opened.length;
}

export async function claimTask(
  deps: CouncilDeps,
  decisionId: string,
  reviewer: string,
  leaseSeconds?: number,
): Promise<ReviewTask> {
  const nowMs = deps.clock.now();
  const until = nowMs + (leaseSeconds ?? deps.settings.reviewLeaseSeconds) * 1000;
  if (!(await deps.store.claimTask(decisionId, reviewer, nowMs, until))) {
    const task = await deps.store.task(decisionId);
    if (task === undefined)
      throw councilErrors.create('REVIEW_TASK_NOT_FOUND', `no review task for decision ${decisionId}`);
    if (task.status === 'resolved')
      throw councilErrors.create(
        'REVIEW_TASK_RESOLVED',
        `decision ${decisionId} was resolved ${task.outcome} (${task.via})`,
      );
    // Past its deadline a task goes to the default decision once no live claim holds it: a claim
    // taken or renewed then would keep the agent waiting past the deadline, for ever by renewing.
    if (task.deadlineMs <= nowMs)
      throw councilErrors.create(
        'REVIEW_TASK_OVERDUE',
        `decision ${decisionId} passed its deadline ${new Date(task.deadlineMs).toISOString()}; it resolves to the default decision${task.claimUntilMs !== null && task.claimUntilMs > nowMs ? ` unless ${task.claimedBy} resolves it by ${new Date(task.claimUntilMs).toISOString()}` : ''}`,
      );
    throw councilErrors.create(
      'REVIEW_TASK_CLAIMED',
      `${task.claimedBy} holds the task until ${new Date(task.claimUntilMs ?? 0).toISOString()}`,
    );
  }
  const claimed = (await deps.store.task(decisionId))!;
  // A claim has no event of its own: this replica's streams hear of it here.
  deps.feed.notify({ kind: 'task', id: decisionId, queue: claimed.queue });
  return claimed;
}

export async function resolveTask(
  deps: CouncilDeps,
  decisionId: string,
  reviewer: string,
  verdict: { readonly outcome: 'approve' | 'reject'; readonly comment: string },
): Promise<ReviewTask> {
  const nowMs = deps.clock.now();
  const outcome = verdict.outcome === 'approve' ? 'allow' : 'deny';
  const done = await deps.store.transaction(async (tx) => {
    const task = await deps.store.task(decisionId, tx);
    if (task === undefined)
      throw councilErrors.create('REVIEW_TASK_NOT_FOUND', `no review task for decision ${decisionId}`);
    if (task.status === 'resolved')
      throw councilErrors.create(
        'REVIEW_TASK_RESOLVED',
        `decision ${decisionId} was resolved ${task.outcome} (${task.via})`,
      );
    const won = await deps.store.resolveTask(tx, decisionId, {
      outcome,
      via: 'reviewer',
      resolvedBy: reviewer,
      comment: verdict.comment,
      nowMs,
    });
    if (!won)
      throw councilErrors.create(
        'REVIEW_TASK_NOT_CLAIMED',
        `claim decision ${decisionId} first (or your claim expired)`,
      );
    await logResolution(
      deps,
      tx,
      task,
      { outcome, via: 'reviewer', resolvedBy: reviewer, comment: verdict.comment },
      nowMs,
    );
    return task;
  });
  deps.outcomes.notify(decisionId);
  void deps.relay.flush();
  deps.logger.info({ decisionId, queue: done.queue, outcome, reviewer }, 'review task resolved');
  return (await deps.store.task(decisionId))!;
}

/** Resolves every task past its deadline that no live claim holds to the constitution's default. */
export async function expireTasks(deps: CouncilDeps): Promise<number> {
  const nowMs = deps.clock.now();
  const due = await deps.store.expiredTasks(nowMs, 100);
  if (due.length === 0) return 0;
  const version = await deps.constitution.activeVersion();
  const fallback = version?.document.defaultDecision ?? 'deny';
  const outcome: 'allow' | 'deny' = fallback === 'allow' ? 'allow' : 'deny';
  let expired = 0;
  for (const task of due) {
    const won = await deps.store.transaction(async (tx) => {
      const ok = await deps.store.resolveTask(tx, task.decisionId, {
        outcome,
        via: 'deadline',
        resolvedBy: 'council:deadline',
        comment: null,
        nowMs,
      });
      if (ok)
        await logResolution(
          deps,
          tx,
          task,
          { outcome, via: 'deadline', resolvedBy: 'council:deadline', comment: null },
          nowMs,
        );
      return ok;
    });
    if (won) {
      expired++;
      deps.outcomes.notify(task.decisionId);
    }
  }
  if (expired > 0) void deps.relay.flush();
  return expired;
}

async function logResolution(
  deps: CouncilDeps,
  tx: Parameters<Parameters<CouncilDeps['store']['transaction']>[0]>[0],
  task: ReviewTask,
  r: { outcome: 'allow' | 'deny'; via: 'reviewer' | 'deadline'; resolvedBy: string; comment: string | null },
  nowMs: number,
) {
  const data: ReviewResolvedData = {
    decisionId: task.decisionId,
    queue: task.queue,
    outcome: r.outcome,
    via: r.via,
    resolvedBy: r.resolvedBy,
    commentDigest: r.comment === null ? null : createHash('sha256').update(r.comment).digest('hex'),
  };
  await deps.store.enqueue(tx, councilEvent(COUNCIL_EVENTS.reviewResolved, data, nowMs), nowMs);
}

/** The outcome view an agent reads. */
export function outcomeView(task: ReviewTask) {
  return {
    decisionId: task.decisionId,
    queue: task.queue,
    status: task.status === 'resolved' ? 'resolved' : 'pending',
    decision: task.outcome,
    via: task.via,
    resolvedAt: task.resolvedMs === null ? null : new Date(task.resolvedMs).toISOString(),
    deadline: new Date(task.deadlineMs).toISOString(),
  };
}

/** Waits up to `waitMs` for the task to be resolved (woken at once by this replica, re-read every 250 ms). */
export async function awaitOutcome(
  deps: CouncilDeps,
  decisionId: string,
  waitMs: number,
  signal?: AbortSignal,
) {
  const endMs = Date.now() + waitMs;
  for (;;) {
    const task = await deps.store.task(decisionId);
    const left = endMs - Date.now();
    // A task not there yet may still be on its way from the bus: wait for it like for its outcome.
    if (task === undefined && (left <= 0 || signal?.aborted))
      throw councilErrors.create('REVIEW_TASK_NOT_FOUND', `no review task for decision ${decisionId}`);
    if (task !== undefined && (task.status === 'resolved' || left <= 0 || signal?.aborted))
      return outcomeView(task);
    await deps.outcomes.wait(decisionId, Math.min(250, left), signal);
  }
}
