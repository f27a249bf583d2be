/**
 * Issue 19, done-when 5: the README's "Distributed mode, step by step" is followed command by
 * command, as an operator would type it, from an empty PostgreSQL database to a decision read
 * back from the log. Only addresses change: a database, ports, stream, subject root and Redis
 * prefix of this run's own; `acgs` is the CLI built in dist/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { distributedServices, removeRunState } from '../support/external-services.js';
import { CLI, freePort } from '../support/platform-process.js';
import {
  createTemporaryPostgresDatabase,
  type TemporaryDatabase,
  uniqueRunName,
} from '../support/postgres-database.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const { postgres, redis, nats, skip } = await distributedServices();

/** The shell blocks of the README's recipe, in order. */
function recipeBlocks(readme: string): string[] {
  const start = readme.indexOf('### Distributed mode, step by step');
  assert.ok(start >= 0, 'README has the distributed recipe');
  const end = readme.indexOf('\n#', start + 10);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README: distributed mode, step by step', { skip }, () => {
  let database: TemporaryDatabase;
  const run = uniqueRunName('recipe');
  const dir = mkdtempSync(join(tmpdir(), 'acgs-recipe-'));

  before(async () => {
    database = await createTemporaryPostgresDatabase(postgres.url, 'recipe');
  });

  after(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    await removeRunState(run, redis.url, nats.url);
  });

  test('from an empty database to a decision read back from the log', { timeout: 330_000 }, async () => {
    const blocks = recipeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    assert.equal(blocks.length, 5);
    const ports = new Map<string, number>();
    for (const n of ['0', '1', '2', '3', '5', '6']) ports.set(n, await freePort());
    const script = blocks
      .join('\n')
      .replace('postgres://postgres@127.0.0.1:5432/acgs', database.url)
      .replace('nats://127.0.0.1:4222', nats.url)
      .replace('redis://127.0.0.1:6379', redis.url)
      .replace(/\b800([0-7])\b/g, (whole, n: string) => String(ports.get(n) ?? whole))
      .replaceAll('examples/', `${join(ROOT, 'examples')}/`);
    // The recipe's own last words: stop the services it started.
    const stop = /`(kill %1 %2 %3 %4 %5 %6)`/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
    assert.ok(stop, 'README says how to stop the services');
    const bin = join(dir, 'bin');
    rmSync(bin, { recursive: true, force: true });
    mkdirSync(bin);
    writeFileSync(join(bin, 'acgs'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'acgs'), 0o755);
    writeFileSync(join(dir, 'recipe.sh'), `set -euo pipefail\nset -x\n${script}\n${stop}\nwait\n`);

    const child = spawn('bash', [join(dir, 'recipe.sh')], {
      cwd: dir,
      detached: true,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        DATABASE_URL: '',
        NATS_URL: '',
        REDIS_URL: '',
        ACGS_NATS_STREAM: run.toUpperCase(),
        ACGS_SUBJECT_ROOT: run,
        ACGS_REDIS_PREFIX: `${run}:`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      err += String(chunk);
    });
    const code = await new Promise<number | null>((resolveExit) => {
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 300_000);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolveExit(exitCode);
      });
    });
    const logs = ['auth', 'ac', 'integrity', 'fv', 'pgc', 'ec']
      .map((name) => {
        try {
          return `--- ${name}.log\n${readFileSync(join(dir, `${name}.log`), 'utf8').slice(-2000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
    assert.equal(
      code,
      0,
      `the recipe failed (the last + line is the command):\n${err.slice(-4000)}\n${logs}`,
    );
    const decisionText = readFileSync(join(dir, 'decision.json'), 'utf8');
    const decision = JSON.parse(decisionText) as {
      decision: string;
      decisionId: string;
      logReceipt: { index: number; position: number };
    };
    assert.equal(decision.decision, 'allow');
    const entryText = out.slice(out.indexOf(decisionText) + decisionText.length);
    const entry = JSON.parse(entryText.trim()) as { index: number; entry: string };
    assert.equal(entry.index, decision.logReceipt.index);
    const logged = JSON.parse(entry.entry) as { type: string; payload: { decisions: string[][] } };
    assert.equal(logged.type, 'policy.decision');
    assert.equal(logged.payload.decisions[decision.logReceipt.position]![0], decision.decisionId);
  });
});
