/**
 * Governance synthesis in `acgs up`: a job started over HTTP runs the builtin synthesizer on the
 * published example constitution to a policy set that meets every scenario and that the
 * platform's formal verifier proves satisfies every invariant, and the service's metrics, with the
 * names the autoscaler reads, are on the platform's /metrics and move as the job runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { freePort, startAcgs } from '../support/platform-process.js';

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
    assert.deepEqual(await metricLines(url, 'policy_synthesis_queue_length'), [
      'policy_synthesis_queue_length 0',
    ]);
  } finally {
    await platform.terminate();
  }
});
