/**
 * `acgs evolve` against a running platform (`acgs up`, embedded, the example constitution): the
 * CLI starts a run from the weakened example set, follows it to the end, prints the lineage tree
 * with the best admissible variant's path marked and the archive hash — the same hash and run the
 * platform's API reports. Without a token it refuses with exit code 2 and starts nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api, bearer } from '../support/auth-session.js';
import { type IntegrationPlatform, startIntegrationPlatform } from '../support/integration-platform.js';
import { runAcgs } from '../support/platform-process.js';

const WEAKENED = fileURLToPath(new URL('../../../examples/evolution/weakened-policies', import.meta.url));

describe('acgs evolve on a running platform', () => {
  let platform: IntegrationPlatform;
  before(async () => {
    platform = await startIntegrationPlatform();
  });
  after(() => platform.stop());

  it('runs, follows and prints the lineage of a run; refuses without a token', {
    timeout: 300_000,
  }, async () => {
    const args = [
      'evolve',
      WEAKENED,
      '--seed',
      '4',
      '--iterations',
      '10',
      '--no-propose',
      '--url',
      platform.url,
    ];
    const refused = runAcgs(args, { ACGS_TOKEN: '' });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /needs the bearer token/);

    const result = runAcgs(args, { ACGS_TOKEN: platform.adminToken });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const runId = /run (\S+) started/.exec(result.stdout)?.[1];
    assert.ok(runId !== undefined, result.stdout);
    const lines = result.stdout.split('\n');
    assert.ok(
      lines.some((l) => /^\* v0 \[admissible\] \d+\/\d+/.test(l)),
      'the base, on the marked path',
    );
    const printed = /^archive ([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
    assert.ok(printed !== undefined, result.stdout);
    assert.match(result.stdout, /best admissible v\d+ \(bundle [0-9a-f]{16}\)/);
    assert.match(result.stderr, /10\/10/, 'the progress bar reached the end');

    const run = await api(platform.url, 'GET', `/api/v1/evolution/runs/${runId}`, {
      headers: bearer(platform.adminToken),
    });
    assert.equal(run.status, 200);
    assert.deepEqual([run.body.status, run.body.iteration, run.body.seed], ['succeeded', 10, 4]);
    assert.equal((run.body.result as { archiveHash: string }).archiveHash, printed);
  });
});
