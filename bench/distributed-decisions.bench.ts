/**
 * Where a decision's time goes in distributed mode (issue 19): the chaos suite's platform — auth,
 * ac, ec, fv, two integrity and two PGC replicas as processes on PostgreSQL, NATS and Redis — under
 * its steady load (100 decisions a second, nine allow or deny to one review, round robin over the
 * PGCs), with no fault. Printed: the client's p50/p90/p99/max and every failure by code and detail,
 * then per hop the latency histogram each process recorded (`/metrics`): the PGC's decision route,
 * the integrity replicas' append route (which one sequences, and how many appends were handed
 * over), the group commit, and the Auth service's API-key resolution.
 *
 * `node dist/bench/distributed-decisions.bench.js [--seconds 20] [--rate 100] [--proxies]
 * [--cpu-prof] [--via-replica]`. `--via-replica` lists the integrity replica that does not sequence
 * first in the PGCs' ACGS_INTEGRITY_URL, so every append is handed over. `--proxies` puts the chaos suite's TCP proxies in front of PostgreSQL, NATS
 * and Redis; `--cpu-prof` writes a CPU profile of every process to bench/results/cpu/.
 * Needs PostgreSQL, NATS and Redis (the test defaults, or DATABASE_URL, NATS_URL, REDIS_URL).
 * BENCH_TREE=<a checkout with its dist built> runs that build's platform (the load generator stays
 * this build's), for before/after figures in alternating runs.
 * Writes bench/results/distributed-decisions.json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicies } from '../src/policy/index.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../test/support/auth-session.js';
import { EXAMPLE_FILE } from '../test/support/constitution-fixture.js';
import { DecisionLoad, decisionMix, quantile } from '../test/support/decision-load.js';
import { migrateWithServiceKey, removeRunState, runEnvironment } from '../test/support/distributed-run.js';
import { distributedServices } from '../test/support/external-services.js';
import { freePort, type PlatformProcess, runAcgs, startAcgs } from '../test/support/platform-process.js';
import { createTemporaryPostgresDatabase, uniqueRunName } from '../test/support/postgres-database.js';
import { createTcpProxy, type TcpProxy } from '../test/support/tcp-proxy.js';
import { benchFile, flag, writeReport } from './support/bench-helpers.js';

const SECONDS = flag('seconds', 20);
const RATE = flag('rate', 100);
const PROXIES = process.argv.includes('--proxies');
const CPU_PROF = process.argv.includes('--cpu-prof');
/** The PGCs' first integrity URL is the replica that does not sequence: every append is handed over. */
const VIA_REPLICA = process.argv.includes('--via-replica');
const CLI = process.env.BENCH_TREE
  ? { cli: join(process.env.BENCH_TREE, 'dist', 'src', 'cli', 'main.js') }
  : {};
const POLICY_DIR = fileURLToPath(new URL('../../examples/constitution/policies', import.meta.url));

/** One histogram series as Prometheus text shows it: cumulative counts by upper bound (s). */
interface Histogram {
  readonly count: number;
  readonly sum: number;
  readonly buckets: readonly { readonly le: number; readonly cumulative: number }[];
}

/** The histogram `name` whose labels include every one of `labels`, summed over the rest. */
function histogramOf(text: string, name: string, labels: Readonly<Record<string, string>>): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line) ?? /^(\w+) (\S+)$/.exec(line);
    if (!match) continue;
    const [series, labelText, value] = match.length === 4 ? match.slice(1) : [match[1], '', match[2]];
    if (!wanted.every((w) => labelText!.includes(w))) continue;
    if (series === `${name}_count`) count += Number(value);
    else if (series === `${name}_sum`) sum += Number(value);
    else if (series === `${name}_bucket`) {
      const le = /le="([^"]+)"/.exec(labelText!)?.[1];
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + Number(value));
    }
  }
  const buckets = [...byLe].sort((a, b) => a[0] - b[0]).map(([le, cumulative]) => ({ le, cumulative }));
  return { count, sum, buckets };
}

/** Observations between two scrapes of the same histogram. */
function minus(after: Histogram, before: Histogram): Histogram {
  return {
    count: after.count - before.count,
    sum: after.sum - before.sum,
    buckets: after.buckets.map((b) => ({
      le: b.le,
      cumulative: b.cumulative - (before.buckets.find((x) => x.le === b.le)?.cumulative ?? 0),
    })),
  };
}

/** "n, mean, and the share above 10/25/50/100 ms". */
function describeHistogram(h: Histogram): string {
  if (h.count === 0) return 'none';
  const above = (seconds: number) => {
    const within = h.buckets.find((b) => b.le === seconds)?.cumulative ?? h.count;
    return h.count - within;
  };
  return `n ${h.count}, mean ${((h.sum / h.count) * 1000).toFixed(1)} ms, >10 ms ${above(0.01)}, >25 ms ${above(0.025)}, >50 ms ${above(0.05)}, >100 ms ${above(0.1)}, >250 ms ${above(0.25)}`;
}

interface Member {
  readonly name: string;
  readonly process: PlatformProcess;
}

async function main(): Promise<void> {
  const { postgres, redis, nats, skip } = await distributedServices();
  if (skip) throw new Error(skip);
  const database = await createTemporaryPostgresDatabase(postgres.url, 'bench');
  const run = uniqueRunName('benchdist');
  const proxies: TcpProxy[] = [];
  const viaProxy = async (url: string) => {
    if (!PROXIES) return url;
    const proxy = await createTcpProxy(url);
    proxies.push(proxy);
    return proxy.url;
  };
  const urls = { database: database.url, redis: redis.url, nats: nats.url };
  const direct: Record<string, string> = {
    ...runEnvironment(run, urls),
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
  };
  const env: Record<string, string> = {
    ...direct,
    DATABASE_URL: await viaProxy(database.url),
    REDIS_URL: await viaProxy(redis.url),
    NATS_URL: await viaProxy(nats.url),
    LOG_LEVEL: 'warn',
    ACGS_CONSTITUTION_FILE: EXAMPLE_FILE,
    ACGS_LOG_CHECKPOINT_MS: '200',
  };
  const members: Member[] = [];
  const profiles = benchFile(import.meta.url, '../../bench/results/cpu');
  if (CPU_PROF) mkdirSync(profiles, { recursive: true });
  try {
    const names = ['auth', 'ac', 'ec', 'fv', 'integrityA', 'integrityB', 'pgcA', 'pgcB'] as const;
    const ports = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
    const local = (name: string) => `http://127.0.0.1:${ports[name]}`;
    Object.assign(env, {
      ACGS_AUTH_URL: local('auth'),
      ACGS_AC_URL: local('ac'),
      ACGS_EC_URL: local('ec'),
      ACGS_FV_URL: local('fv'),
      ACGS_INTEGRITY_URL: VIA_REPLICA
        ? `${local('integrityB')},${local('integrityA')}`
        : `${local('integrityA')},${local('integrityB')}`,
    });
    // runAcgs blocks this process, and with it the proxies: one-off commands go direct.
    const oneOff = {
      ...env,
      DATABASE_URL: direct.DATABASE_URL!,
      REDIS_URL: direct.REDIS_URL!,
      NATS_URL: direct.NATS_URL!,
    };
    env.ACGS_SERVICE_API_KEY = migrateWithServiceKey(oneOff, 'pgc');
    const fvKey = runAcgs(['apikey', 'create', '--account', 'svc-fv', '--role', 'service'], oneOff);
    const launch = async (name: string, service: string, own: Record<string, string> = {}) => {
      const nodeArgs = CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${name}.cpuprofile`]
        : [];
      const process = await startAcgs(
        ['serve', service],
        { ...env, ...own, ACGS_PORT: String(ports[name]) },
        120_000,
        { ...CLI, nodeArgs },
      );
      members.push({ name, process });
    };
    await Promise.all([launch('auth', 'auth'), launch('ac', 'ac')]);
    await Promise.all([
      launch('ec', 'ec'),
      launch('fv', 'fv', { ACGS_SERVICE_API_KEY: fvKey.stdout.trim() }),
    ]);
    // integrityA first when it must be the sequencer.
    if (VIA_REPLICA) {
      await launch('integrityA', 'integrity');
      await launch('integrityB', 'integrity');
    } else await Promise.all([launch('integrityA', 'integrity'), launch('integrityB', 'integrity')]);
    await Promise.all([launch('pgcA', 'pgc'), launch('pgcB', 'pgc')]);

    const admin = bearer((await loginAsAdmin(local('auth'))).accessToken);
    const agentKey = await api(local('auth'), 'POST', '/api/v1/auth/api-keys', {
      headers: admin,
      body: { account: 'bench-agent', roles: ['agent'], rateLimitPerMinute: 1_000_000, delegate: true },
    });
    const policies = (await loadPolicies(POLICY_DIR)).policies.map((p) => p.policy);
    const bundle = await api(local('pgcA'), 'POST', '/api/v1/policies/bundles', {
      headers: admin,
      body: { policies },
    });
    await api(local('pgcA'), 'POST', `/api/v1/policies/bundles/${String(bundle.body.id)}/activate`, {
      headers: admin,
    });
    const constitution = await api(local('ac'), 'GET', '/api/v1/constitution/active', { headers: admin });
    const requests = decisionMix(constitution.body.document);

    const scrape = async () =>
      Object.fromEntries(
        await Promise.all(
          members.map(async (m) => [m.name, await (await fetch(`${m.process.url}/metrics`)).text()] as const),
        ),
      ) as Record<string, string>;
    const load = new DecisionLoad({
      replicas: () => [local('pgcA'), local('pgcB')],
      headers: { 'x-api-key': String(agentKey.body.key) },
      requests,
      rate: RATE,
    });
    // Warm-up (connections, caches, JIT), then the measured window.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = await scrape();
    const from = load.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const to = load.now();
    const after = await scrape();
    await load.stop();

    const outcomes = load.between(from, to);
    const ok = outcomes.filter((o) => o.status === 200);
    const allowDeny = ok.filter((o) => o.kind !== 'review').map((o) => o.ms);
    const failures = new Map<string, number>();
    for (const o of outcomes.filter((x) => x.status !== 200)) {
      const key = `${o.status} ${o.code ?? ''} ${o.detail ?? ''}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    const q = (p: number) => Math.round(quantile(allowDeny, p) * 10) / 10;
    const client = {
      sent: outcomes.length,
      ok: ok.length,
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      max: q(1),
      failures: Object.fromEntries(failures),
    };
    const hop = (name: string, metric: string, labels: Record<string, string>) =>
      minus(histogramOf(after[name]!, metric, labels), histogramOf(before[name]!, metric, labels));
    const hops: Record<string, string> = {};
    for (const pgc of ['pgcA', 'pgcB'])
      hops[`${pgc} POST /api/v1/decisions`] = describeHistogram(
        hop(pgc, 'http_request_duration_seconds', { route: '/api/v1/decisions', status_code: '200' }),
      );
    for (const integrity of ['integrityA', 'integrityB']) {
      const sequencer = /^acgs_log_sequencer 1$/m.test(after[integrity]!);
      const handed = /^acgs_log_handed_over_total (\S+)$/m.exec(after[integrity]!)?.[1] ?? '0';
      hops[
        `${integrity}${sequencer ? ' (sequencer)' : ''} POST /api/v1/log/entries (handed over ${handed})`
      ] = describeHistogram(
        hop(integrity, 'http_request_duration_seconds', { route: '/api/v1/log/entries', method: 'POST' }),
      );
      if (sequencer)
        hops[`${integrity} group commit`] = describeHistogram(hop(integrity, 'acgs_log_commit_seconds', {}));
    }
    hops['auth POST /api/v1/auth/api-keys/resolve'] = describeHistogram(
      hop('auth', 'http_request_duration_seconds', { route: '/api/v1/auth/api-keys/resolve' }),
    );
    process.stdout.write(
      `${process.env.BENCH_TREE ?? 'this tree'}: distributed decisions at ${RATE}/s for ${SECONDS} s${PROXIES ? ' (through TCP proxies)' : ''}${VIA_REPLICA ? ' (appends via the replica that does not sequence)' : ''}: sent ${client.sent}, ok ${client.ok}; allow/deny p50 ${client.p50} ms, p90 ${client.p90} ms, p99 ${client.p99} ms, max ${client.max} ms\n`,
    );
    for (const [failure, n] of failures) process.stdout.write(`  failed ×${n}: ${failure}\n`);
    for (const [name, text] of Object.entries(hops)) process.stdout.write(`  ${name}: ${text}\n`);
    // CPU time is what a busy shared machine moves least: per process, per 1,000 decisions.
    const cpu = (text: string) => Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    const cpuMsPerThousand = Object.fromEntries(
      members.map((m) => [
        m.name,
        Math.round(((cpu(after[m.name]!) - cpu(before[m.name]!)) * 1_000_000) / Math.max(1, ok.length)),
      ]),
    );
    process.stdout.write(
      `  CPU ms per 1,000 decisions: ${Object.entries(cpuMsPerThousand)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ')}\n`,
    );
    const path = writeReport('distributed-decisions', {
      rate: RATE,
      seconds: SECONDS,
      proxies: PROXIES,
      client,
      hops,
      cpuMsPerThousand,
    });
    process.stdout.write(`report: ${path}\n`);
  } finally {
    await Promise.all(members.map((m) => m.process.terminate()));
    for (const proxy of proxies) await proxy.stop();
    await database.drop();
    await removeRunState(run, redis.url, nats.url);
  }
}

await main();
