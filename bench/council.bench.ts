/**
 * Executive Council (issue 12, done-when 7), against a real `acgs up` (embedded: SQLite, every
 * vote committed with its event before the answer):
 *
 * 1. signed votes recorded per second over HTTP (each one verified: Ed25519 signature, electorate,
 *    replay, tally and early-close check in its transaction), from `--workers` concurrent clients
 *    spread over `--proposals` open proposals, and the same votes per second counted until the last
 *    one is in the integrity log (the whole path: vote → outbox → bus → log); baseline in the same
 *    run: an authenticated read of
 *    the council (`GET /api/v1/council/members`) at the same concurrency, and the raw Ed25519
 *    verifications per second of this machine;
 * 2. review task latency: from sending a decision that policy sends to review until its task is
 *    visible to reviewers (`GET /api/v1/reviews/:decisionId` polled every 2 ms), p50/p99 over
 *    `--reviews` decisions one at a time; plus the server's own figure (task received − decision
 *    event time); baseline: the decision round trip itself.
 *
 * Flags: --seconds 5, --workers 16, --proposals 8, --reviews 200.
 */

import { verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadPolicies } from '../src/policy/index.js';
import {
  generateMemberKey,
  publicKeyOf,
  signVote,
  votePayload,
} from '../src/services/executive-council/vote-payload.js';
import { freePort, startAcgs } from '../test/support/platform-process.js';
import { flag, writeReport } from './support/bench-helpers.js';

const SECONDS = flag('seconds', 5);
const WORKERS = flag('workers', 16);
const PROPOSALS = flag('proposals', 8);
const REVIEWS = flag('reviews', 200);
const PASSWORD = 'bench-admin-password-0123';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function json(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
const round2 = (x: number) => Math.round(x * 100) / 100;

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-council-bench-'));
const constitutionFile = join(dataDir, 'constitution.json');
const doc = parse(readFileSync(join(ROOT, 'examples/constitution/constitution.yaml'), 'utf8'));
writeFileSync(constitutionFile, JSON.stringify(doc));
const port = await freePort();
const platform = await startAcgs(['up'], {
  ACGS_DATA_DIR: dataDir,
  DATABASE_URL: '',
  REDIS_URL: '',
  NATS_URL: '',
  LOG_LEVEL: 'warn',
  ACGS_PORT: String(port),
  ACGS_ADMIN_PASSWORD: PASSWORD,
  ACGS_CONSTITUTION_FILE: constitutionFile,
});
let failed = false;
try {
  const url = platform.url;
  const login = await json(`${url}/api/v1/auth/login`, 'POST', {}, { username: 'admin', password: PASSWORD });
  const admin = { authorization: `Bearer ${String(login.accessToken)}` };
  const key = async (account: string, roles: string[], delegate = false) => ({
    'x-api-key': String(
      (
        await json(`${url}/api/v1/auth/api-keys`, 'POST', admin, {
          account,
          roles,
          rateLimitPerMinute: 1_000_000,
          ...(delegate ? { delegate } : {}),
        })
      ).key,
    ),
  });
  const member = await key('bench-member', ['council_member']);
  const agent = await key('bench-agent', ['agent'], true);
  const reviewer = await key('bench-reviewer', ['reviewer']);

  // Review latency first: it needs an admin activation, which a seated council refuses.
  const loaded = await loadPolicies(join(ROOT, 'examples/constitution/policies'));
  const bundle = await json(`${url}/api/v1/policies/bundles`, 'POST', admin, {
    policies: loaded.policies.map((p) => p.policy),
  });
  await json(`${url}/api/v1/policies/bundles/${bundle.id}/activate`, 'POST', admin);
  const scenarios = (doc.scenarioSuites as { scenarios: { expected: string; request: unknown }[] }[])
    .flatMap((s) => s.scenarios)
    .filter((s) => s.expected === 'review');
  const visible: number[] = [];
  const roundTrip: number[] = [];
  const serverSide: number[] = [];
  for (let i = 0; i < REVIEWS; i++) {
    const started = performance.now();
    const decided = await json(
      `${url}/api/v1/decisions`,
      'POST',
      agent,
      scenarios[i % scenarios.length]!.request,
    );
    roundTrip.push(performance.now() - started);
    const id = String(decided.decisionId ?? decided.decision_id);
    for (;;) {
      const response = await fetch(`${url}/api/v1/reviews/${id}`, { headers: reviewer });
      if (response.status === 200) {
        visible.push(performance.now() - started);
        const task = (await response.json()) as { decidedAt: string; receivedAt: string };
        serverSide.push(Date.parse(task.receivedAt) - Date.parse(task.decidedAt));
        break;
      }
      await response.arrayBuffer();
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  // Votes: members vote abstain again and again (each a new signature with a later time); one
  // member never votes, so no proposal settles and closes during the run.
  const members = Array.from({ length: WORKERS + 1 }, (_, i) => ({ id: `m${i}`, ...generateMemberKey() }));
  for (const m of members)
    await json(`${url}/api/v1/council/members`, 'POST', admin, {
      memberId: m.id,
      displayName: m.id,
      publicKey: m.publicKey,
      weight: 1,
    });
  const proposals: { id: string; contentHash: string }[] = [];
  for (let n = 0; n < PROPOSALS; n++) {
    const opened = await json(`${url}/api/v1/council/proposals`, 'POST', admin, {
      kind: 'change-council',
      title: `bench ${n}`,
      content: { reweight: [{ memberId: 'm0', weight: 2 + n }] },
    });
    proposals.push({ id: String(opened.id), contentHash: String(opened.contentHash) });
  }
  const timed = async (work: () => Promise<void>) => {
    let count = 0;
    let errors = 0;
    const end = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        while (performance.now() < end) {
          try {
            await work.call({ w } as never);
            count++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return { perSecond: count / ((performance.now() - started) / 1000), count, errors };
  };
  const reads = await timed(async () => {
    const response = await fetch(`${url}/api/v1/council/members`, { headers: member });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(String(response.status));
  });
  const lastTime = new Map<string, number>();
  let turn = 0;
  const votes = await (async () => {
    let count = 0;
    let errors = 0;
    const end = performance.now() + SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      members.slice(1).map(async (m) => {
        while (performance.now() < end) {
          const proposal = proposals[turn++ % proposals.length]!;
          const at = Math.max(Date.now(), (lastTime.get(`${m.id}:${proposal.id}`) ?? 0) + 1);
          lastTime.set(`${m.id}:${proposal.id}`, at);
          const fields = {
            proposalId: proposal.id,
            contentHash: proposal.contentHash,
            choice: 'abstain' as const,
            memberId: m.id,
            time: new Date(at).toISOString(),
          };
          const response = await fetch(`${url}/api/v1/council/proposals/${proposal.id}/votes`, {
            method: 'POST',
            headers: { ...member, 'content-type': 'application/json' },
            body: JSON.stringify({
              memberId: m.id,
              choice: 'abstain',
              contentHash: proposal.contentHash,
              time: fields.time,
              signature: signVote(fields, m.privateKeyPem),
            }),
          });
          await response.arrayBuffer();
          if (response.status === 201) count++;
          else errors++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: count / seconds, count, errors, seconds };
  })();
  // Recorded is not yet logged: wait until the Integrity service's intake has appended every vote
  // event, so the figure below is what the whole path (vote → outbox → bus → log) sustains.
  const logged = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    let sum = 0;
    for (const m of text.matchAll(/^acgs_bus_events_consumed_total\{([^}]*)\} (\d+)/gm))
      if (m[1]!.includes('type="council.vote.cast"')) sum += Number(m[2]);
    return sum;
  };
  const drainStart = performance.now();
  while ((await logged()) < votes.count && performance.now() - drainStart < 60_000)
    await new Promise((r) => setTimeout(r, 50));
  const drainMs = performance.now() - drainStart;
  const votesLoggedPerSecond = votes.count / ((votes.seconds * 1000 + drainMs) / 1000);

  // Raw Ed25519 verifications per second here (the per-vote cryptographic floor).
  const sample = members[1]!;
  const fields = {
    proposalId: proposals[0]!.id,
    contentHash: proposals[0]!.contentHash,
    choice: 'yes' as const,
    memberId: sample.id,
    time: new Date().toISOString(),
  };
  const signature = Buffer.from(signVote(fields, sample.privateKeyPem), 'base64');
  const keyObject = publicKeyOf(sample.publicKey)!;
  const payload = votePayload(fields);
  let verified = 0;
  const verifyStart = performance.now();
  while (performance.now() - verifyStart < 1000) {
    verify(null, payload, keyObject, signature);
    verified++;
  }
  const verifyPerSecond = verified / ((performance.now() - verifyStart) / 1000);

  const report = {
    machine: { cpus: (await import('node:os')).cpus().length },
    settings: { seconds: SECONDS, workers: WORKERS, proposals: PROPOSALS, reviews: REVIEWS },
    votes: { ...votes, perSecond: Math.round(votes.perSecond) },
    baselineReads: { ...reads, perSecond: Math.round(reads.perSecond) },
    votesPerRead: round2(votes.perSecond / reads.perSecond),
    votesLogged: { perSecond: Math.round(votesLoggedPerSecond), drainMsAfterRun: Math.round(drainMs) },
    votesLoggedPerRead: round2(votesLoggedPerSecond / reads.perSecond),
    ed25519VerifyPerSecond: Math.round(verifyPerSecond),
    reviewVisibleMs: {
      p50: round2(percentile(visible, 50)),
      p99: round2(percentile(visible, 99)),
      max: round2(Math.max(...visible)),
    },
    reviewServerSideMs: { p50: percentile(serverSide, 50), p99: percentile(serverSide, 99) },
    decisionRoundTripMs: { p50: round2(percentile(roundTrip, 50)), p99: round2(percentile(roundTrip, 99)) },
    visibleP99PerDecisionP99: round2(percentile(visible, 99) / percentile(roundTrip, 99)),
  };
  const path = writeReport('council', report);
  console.log(
    `votes recorded with signature checks: ${report.votes.perSecond}/s (${votes.count} votes, ${votes.errors} refused) vs authenticated council reads ${report.baselineReads.perSecond}/s → ${report.votesPerRead}×; all of them in the log ${report.votesLogged.drainMsAfterRun} ms after the run: ${report.votesLogged.perSecond}/s logged → ${report.votesLoggedPerRead}×; Ed25519 verify alone ${report.ed25519VerifyPerSecond}/s`,
  );
  console.log(
    `review task visible after the decision: p50 ${report.reviewVisibleMs.p50} ms, p99 ${report.reviewVisibleMs.p99} ms (server side p99 ${report.reviewServerSideMs.p99} ms); decision round trip p99 ${report.decisionRoundTripMs.p99} ms → ${report.visibleP99PerDecisionP99}×  [${path}]`,
  );
  failed = votes.errors > 0;
} catch (error) {
  log(String(error instanceof Error ? error.stack : error));
  failed = true;
} finally {
  await platform.terminate();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
