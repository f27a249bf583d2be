/**
 * The review queue's reads stay cheap however many tasks pile up: the counts behind the
 * `acgs_review_tasks_*` gauges and the deadline sweep are answered from indexes (SQLite's query
 * plan says so), and their results are right for open, claimed, resolved and overdue tasks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, createQueryId, type RootOperationNode } from 'kysely';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createDatabase } from '../../storage/index.js';
import type { CouncilDeps } from './council-deps.js';
import { registerReviewTaskGauges } from './review-task-gauges.js';
import { CouncilStore, councilMigrations, type ReviewTask } from './store.js';
import { claimTask } from './usecases/review-tasks.js';

const NOW = 1_800_000_000_000;

function task(i: number, overrides: Partial<ReviewTask> = {}): ReviewTask {
  return {
    decisionId: `d-${i}`,
    queue: i % 3 === 0 ? 'finance' : 'default',
    status: 'open',
    principalId: null,
    actionType: 'payment.create',
    requestDigest: 'a'.repeat(64),
    matched: [],
    reasons: [],
    obligations: [],
    bundleId: 'b-1',
    leafHash: 'c'.repeat(64),
    logIndex: i,
    decidedMs: NOW - 1000,
    receivedMs: NOW - 1000 + i,
    deadlineMs: NOW + 3_600_000,
    claimedBy: null,
    claimUntilMs: null,
    outcome: null,
    via: null,
    resolvedBy: null,
    comment: null,
    resolvedMs: null,
    ...overrides,
  };
}

describe('review task queries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-review-queries-'));
  const database = createDatabase(`sqlite:${join(dir, 'acgs.db')}`);
  const captured: RootOperationNode[] = [];
  // The store's own queries, captured as it issues them, so their plans are the ones checked.
  const capturing = Object.create(database) as typeof database;
  capturing.as = <T>() =>
    database.as<T>().withPlugin({
      transformQuery: (args) => {
        captured.push(args.node);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
  const store = new CouncilStore(capturing);

  /** SQLite's query plan of every statement `work` issues, joined. */
  const plansOf = async (work: () => Promise<unknown>): Promise<string> => {
    captured.length = 0;
    await work();
    const plans: string[] = [];
    for (const node of captured.splice(0)) {
      const compiled = store.db.getExecutor().compileQuery(node, createQueryId());
      const result = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
      );
      plans.push(result.rows.map((r) => r.detail).join('; '));
    }
    return plans.join(' | ');
  };

  before(async () => {
    await database.migrate('ec', councilMigrations);
    await store.transaction(async (tx) => {
      const first = Array.from({ length: 2500 }, (_, i) => task(i));
      assert.equal((await store.insertTasks(tx, first)).size, 2500);
      // A redelivery (the first 2,500 again) beside new tasks: only the new ones are inserted.
      // Two overdue: one open (the sweep takes it), one claimed with a live lease (it does not).
      const again = [
        ...Array.from({ length: 3000 }, (_, i) => task(i)),
        task(3000, { deadlineMs: NOW - 1 }),
        task(3001, { deadlineMs: NOW - 1 }),
      ];
      const inserted = await store.insertTasks(tx, again);
      assert.equal(inserted.size, 502);
      assert.ok(inserted.has('d-2500') && inserted.has('d-3001') && !inserted.has('d-0'));
    });
    // Claimed while its deadline was ahead; overdue now, with the lease still live.
    assert.equal(await store.claimTask('d-3001', 'rita', NOW - 2, NOW + 60_000), true);
    assert.equal(await store.claimTask('d-1', 'rita', NOW, NOW + 60_000), true);
    await store.transaction(async (tx) => {
      const resolved = await store.resolveTask(tx, 'd-1', {
        outcome: 'allow',
        via: 'reviewer',
        resolvedBy: 'rita',
        comment: null,
        nowMs: NOW,
      });
      assert.equal(resolved, true);
    });
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts unresolved tasks per queue and the overdue ones', async () => {
    const counts = await store.taskCounts(NOW);
    // 3,002 tasks, one resolved; d-0, d-3, … d-3000 are in finance (1,001 of them).
    assert.deepEqual(Object.fromEntries(counts.open), { default: 2000, finance: 1001 });
    assert.equal(counts.overdue, 2);
  });

  it('sweeps only overdue tasks without a live claim', async () => {
    const due = await store.expiredTasks(NOW, 100);
    assert.deepEqual(
      due.map((t) => t.decisionId),
      ['d-3000'],
    );
  });

  it('answers the counts, the sweep and the listing from indexes, not by reading every task', async () => {
    const counts = await plansOf(() => store.taskCounts(NOW));
    assert.match(counts, /USING COVERING INDEX ec_review_tasks_counts/, counts);
    assert.doesNotMatch(counts, /SCAN ec_review_tasks(?! USING)/, counts);
    const sweep = await plansOf(() => store.expiredTasks(NOW, 100));
    assert.match(
      sweep,
      /SEARCH ec_review_tasks USING INDEX ec_review_tasks_open \(status=\? AND deadline_ms<\?\)/,
      sweep,
    );
    const listing = await plansOf(() => store.tasks({ status: 'open', limit: 50 }));
    assert.match(listing, /ec_review_tasks USING INDEX ec_review_tasks_listing/, listing);
    assert.doesNotMatch(listing, /TEMP B-TREE/, listing);
  });

  it('takes and renews no claim once the deadline has passed (the default decision is due)', async () => {
    const deps = {
      store,
      clock: { now: () => NOW + 10 },
      settings: { reviewLeaseSeconds: 900 },
      feed: { notify: () => {} },
    } as unknown as CouncilDeps;
    await store.transaction((tx) => store.insertTasks(tx, [task(4000, { deadlineMs: NOW + 5 })]));
    assert.equal(await store.claimTask('d-4000', 'rita', NOW, NOW + 60_000), true, 'before: taken');
    // Overdue: rita's renewal (which could hold it for ever) and a newcomer after her lease are refused.
    await assert.rejects(claimTask(deps, 'd-4000', 'rita', 86_400), {
      code: 'REVIEW_TASK_OVERDUE',
      message: /passed its deadline .* unless rita resolves it by /,
    });
    assert.equal(await store.claimTask('d-4000', 'sam', NOW + 60_001, NOW + 120_000), false);
    assert.equal((await store.task('d-4000'))?.claimUntilMs, NOW + 60_000, 'the lease did not grow');
  });

  it('reports the counts as gauges when scraped, and keeps the last ones when the database fails', async () => {
    let failing = false;
    const deps = {
      store: {
        taskCounts: (nowMs: number) =>
          failing ? Promise.reject(new Error('database down')) : store.taskCounts(nowMs),
      },
      clock: { now: () => NOW },
      logger: pino({ level: 'silent' }),
    } as unknown as CouncilDeps;
    const registry = new Registry();
    registerReviewTaskGauges(deps, registry);
    const scrape = async () => {
      const text = await registry.metrics();
      return {
        finance: /acgs_review_tasks_open\{queue="finance"\} (\d+)/.exec(text)?.[1],
        overdue: /acgs_review_tasks_overdue (\d+)/.exec(text)?.[1],
      };
    };
    assert.deepEqual(await scrape(), { finance: '1001', overdue: '2' });
    failing = true;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(await scrape(), { finance: '1001', overdue: '2' });
  });
});
