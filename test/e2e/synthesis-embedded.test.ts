/**
 * Governance synthesis in `acgs up`: a job started over HTTP runs the builtin synthesizer on the
 * published example constitution to a policy set that meets every scenario and that the
 * platform's formal verifier proves satisfies every invariant, and the service's metrics, with the
 * names the autoscaler reads, are on the platform's /metrics and move as the job runs. The set is
 * handed to the PGC as a bundle with its provenance; `acgs synthesize --propose` follows a job
 * with its progress lines and opens a council proposal to activate the bundle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateMemberKey } from '../../src/services/executive-council/vote-payload.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort, runAcgs, startAcgs } from '../support/platform-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'acgs-gs-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function metricLines(url: string, prefix: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

test('a synthesis job runs in acgs up and its metrics are on /metrics', { timeout: 300_000 }, async () => {
  const platform = await startAcgs(['up'], {
    ACGS_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    LOG_LEVEL: 'warn',
    ACGS_PORT: String(await freePort()),
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  });
  try {
    const url = platform.url;
    assert.deepEqual(await metricLines(url, 'policy_synthesis_queue_length'), [
      'policy_synthesis_queue_length 0',
    ]);
    assert.match(await (await fetch(`${url}/metrics`)).text(), /# TYPE acgs_llm_requests_total counter/);
    assert.deepEqual(await metricLines(url, 'acgs_synthesis_jobs_total{'), [], 'no job has finished yet');
    const admin = bearer((await loginAsAdmin(url)).accessToken);
    const accepted = await api(url, 'POST', '/api/v1/synthesis/jobs', {
      headers: admin,
      body: { provider: 'builtin' },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const id = accepted.body.id as string;
    let job: Record<string, unknown> = accepted.body;
    for (let i = 0; i < 600 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await api(url, 'GET', `/api/v1/synthesis/jobs/${id}`, { headers: admin })).body;
    }
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const result = job.result as {
      policies: unknown[];
      report: { scenarios: { total: number; failed: string[] } };
    };
    assert.ok(result.policies.length >= 25);
    assert.ok(result.report.scenarios.total >= 50);
    assert.deepEqual(result.report.scenarios.failed, []);
    // The platform's formal verifier (Z3, in-process in acgs up) proved every invariant.
    const verification = (result.report as unknown as { verification: { status: string; proved: number } })
      .verification;
    assert.equal(verification.status, 'proved');
    assert.equal(verification.proved, 22);
    assert.deepEqual(await metricLines(url, 'acgs_synthesis_jobs_total{'), [
      'acgs_synthesis_jobs_total{provider="builtin",outcome="succeeded"} 1',
    ]);
    assert.deepEqual(await metricLines(url, 'acgs_synthesis_job_duration_seconds_count{'), [
      'acgs_synthesis_job_duration_seconds_count{provider="builtin",outcome="succeeded"} 1',
    ]);
    assert.deepEqual(await metricLines(url, 'policy_synthesis_queue_length'), [
      'policy_synthesis_queue_length 0',
    ]);
    // The chosen set went to the PGC as a bundle (not active) with its provenance, and the
    // verifier compared it with the active set.
    const bundleId = (job.result as { bundle: { id: string } }).bundle.id;
    const impact = (job.result as { impact: { impact: string; detail: string } }).impact;
    assert.ok(['narrowing', 'widening'].includes(impact.impact), JSON.stringify(impact));
    const bundle = await api(url, 'GET', `/api/v1/policies/bundles/${bundleId}`, { headers: admin });
    assert.equal(bundle.status, 200);
    const provenance = bundle.body.provenance as {
      jobId: string;
      provider: string;
      verification: { proved: number };
    };
    assert.equal(provenance.jobId, id);
    assert.equal(provenance.provider, 'builtin');
    assert.equal(provenance.verification.proved, 22);
    assert.equal(bundle.body.createdBy, 'svc-gs');

    // `acgs synthesize --propose` with a council seated: progress, the bundle, and a proposal.
    const seated = await api(url, 'POST', '/api/v1/council/members', {
      headers: admin,
      body: { memberId: 'ann', displayName: 'Ann', publicKey: generateMemberKey().publicKey, weight: 1 },
    });
    assert.equal(seated.status, 201, JSON.stringify(seated.body));
    const cli = runAcgs(['synthesize', '--propose'], {
      ACGS_URL: url,
      ACGS_TOKEN: String(admin.authorization).slice('Bearer '.length),
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /^job \S+ started \(builtin\)$/m);
    assert.match(cli.stderr, /^\[100%\] done$/m);
    assert.match(cli.stdout, /^job \S+ succeeded$/m);
    assert.match(
      cli.stdout,
      /policies from builtin \(builtin, 0 rounds\); verifier: proved, 22 invariants proved/,
    );
    assert.match(cli.stdout, new RegExp(`bundle ${bundleId} already stored in the PGC`));
    assert.match(cli.stdout, /^ {2}against the active set: (narrowing|widening) \(/m);
    const proposalId = /council proposal (\S+) opened/.exec(cli.stdout)?.[1];
    assert.ok(proposalId !== undefined, cli.stdout);
    const proposal = await api(url, 'GET', `/api/v1/council/proposals/${proposalId}`, { headers: admin });
    assert.equal(proposal.body.kind, 'activate-policies');
    assert.equal(proposal.body.contentHash, bundleId);
    assert.match(String(proposal.body.proposer), / via svc-gs$/);
  } finally {
    await platform.terminate();
  }
});
