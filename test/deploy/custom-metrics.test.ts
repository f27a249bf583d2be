/**
 * The manifests against real processes: every custom metric an HPA names has a Prometheus Adapter
 * rule, and the series behind each rule is on a running service's /metrics with the right type;
 * every probe path and port of the Deployments answers on `acgs serve <service>`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { SERVICES, type ServiceName } from '../../src/kernel/services.js';
import { api, bearer, loginAsAdmin, TEST_ADMIN_PASSWORD } from '../support/auth-session.js';
import { DEPLOY, find, type KubeObject, readYamlFile, toolSkip } from '../support/deploy-files.js';
import { freePort, type PlatformProcess, startAcgs, waitFor } from '../support/platform-process.js';

interface AdapterRule {
  readonly source: string;
  readonly exposed: string;
  /** A rate() rule reads a counter; any other reads a gauge. */
  readonly type: 'counter' | 'gauge';
}

function adapterRules(): AdapterRule[] {
  const [configMap] = readYamlFile('deploy/kubernetes/monitoring/prometheus-adapter-rules.yaml');
  const config = parse(configMap!.data['config.yaml']) as {
    rules: { seriesQuery: string; name: { as: string }; metricsQuery: string }[];
  };
  return config.rules.map((rule) => ({
    source: /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(rule.seriesQuery)![1]!,
    exposed: rule.name.as,
    type: rule.metricsQuery.includes('rate(') ? 'counter' : 'gauge',
  }));
}

/** Every custom metric the HPAs of the base name (the overlays do not add any). */
function hpaMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const service of readdirSync(join(DEPLOY, 'kubernetes', 'base', 'services'))) {
    for (const object of readYamlFile(`deploy/kubernetes/base/services/${service}/${service}.yaml`)) {
      if (object.kind !== 'HorizontalPodAutoscaler') continue;
      for (const metric of object.spec.metrics as KubeObject[])
        if (metric.type === 'Pods') names.add(metric.pods.metric.name);
    }
  }
  return names;
}

/** `# TYPE name type` lines of a Prometheus text exposition, and whether each has a sample. */
function exposition(text: string): Map<string, { type: string; sampled: boolean }> {
  const families = new Map<string, { type: string; sampled: boolean }>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1]!, { type: type[2]!, sampled: false });
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (sample && families.has(sample[1]!) && Number(sample[2]) > 0) families.get(sample[1]!)!.sampled = true;
  }
  return families;
}

/**
 * Which service produces each source series. The synthesis series stay at zero here (this file
 * sends no model traffic and starts no job); src/services/governance-synthesis tests show them move.
 */
const PRODUCER: Record<string, { service: ServiceName; movedElsewhere?: string }> = {
  http_requests_total: { service: 'auth' },
  jwt_validations_total: { service: 'auth' },
  acgs_llm_requests_total: { service: 'gs', movedElsewhere: 'routes/jobs.test.ts (scripted model)' },
  policy_synthesis_queue_length: { service: 'gs', movedElsewhere: 'routes/jobs.test.ts (queue)' },
};

const dataDirs: string[] = [];
const processes: PlatformProcess[] = [];
after(async () => {
  await Promise.all(processes.map((p) => p.terminate()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const started = new Map<ServiceName, Promise<PlatformProcess>>();
/** One `acgs serve <service>` per service for the whole file, on SQLite in a temporary directory. */
function serve(service: ServiceName): Promise<PlatformProcess> {
  let child = started.get(service);
  if (child === undefined) {
    child = spawnService(service);
    started.set(service, child);
  }
  return child;
}

async function spawnService(service: ServiceName): Promise<PlatformProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), `acgs-deploy-${service}-`));
  dataDirs.push(dataDir);
  const port = await freePort();
  const child = await startAcgs(['serve', service, '--port', String(port)], {
    ACGS_DATA_DIR: dataDir,
    ACGS_HOST: '127.0.0.1',
    ACGS_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    REDIS_URL: '',
    NATS_URL: '',
    // The PGC alone calls a log elsewhere and must hold a service key to start (its readiness then
    // reports the unreachable auth and integrity, which the probe test accepts).
    ...(service === 'pgc' ? { ACGS_SERVICE_API_KEY: `acgs_${'a'.repeat(12)}_${'b'.repeat(43)}` } : {}),
  });
  processes.push(child);
  return child;
}

describe('custom metrics: HPAs → adapter rules → the running platform', () => {
  const rules = adapterRules();

  test('every custom metric an HPA names has exactly one adapter rule', () => {
    const exposed = rules.map((r) => r.exposed);
    assert.deepEqual([...hpaMetricNames()].sort(), [...exposed].sort());
    assert.equal(new Set(exposed).size, exposed.length);
  });

  test('every rule’s query is valid PromQL once the adapter fills in its template (promtool)', {
    skip: toolSkip('promtool', ['--version'], true),
  }, () => {
    const [configMap] = readYamlFile('deploy/kubernetes/monitoring/prometheus-adapter-rules.yaml');
    const config = parse(configMap!.data['config.yaml']) as {
      rules: { seriesQuery: string; metricsQuery: string }[];
    };
    const dir = mkdtempSync(join(tmpdir(), 'acgs-adapter-'));
    dataDirs.push(dir);
    const groups = config.rules.map((rule, i) => ({
      record: `acgs:adapter_rule_${i}`,
      // What the adapter sends for one pod's value.
      expr: rule.metricsQuery
        .replaceAll('<<.Series>>', /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(rule.seriesQuery)![1]!)
        .replaceAll('<<.LabelMatchers>>', 'namespace="acgs",pod="acgs-auth-blue-5d8f7c9b6-x2x4z"')
        .replaceAll('<<.GroupBy>>', 'pod'),
    }));
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: [{ name: 'adapter', rules: groups }] }));
    const result = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${groups.length} rules found`));
  });

  const running = new Map<ServiceName, Promise<string>>();
  /** The service's /metrics after traffic that moves its counters (a login and a bearer call). */
  function metricsOf(service: ServiceName): Promise<string> {
    let text = running.get(service);
    if (text === undefined) {
      text = (async () => {
        const child = await serve(service);
        if (service === 'auth') {
          const tokens = await loginAsAdmin(child.url);
          const me = await api(child.url, 'GET', '/api/v1/auth/me', { headers: bearer(tokens.accessToken) });
          assert.equal(me.status, 200);
        }
        return (await fetch(`${child.url}/metrics`)).text();
      })();
      running.set(service, text);
    }
    return text;
  }

  for (const rule of rules) {
    const producer = PRODUCER[rule.source];
    test(`${rule.exposed} ← ${rule.source} (${rule.type}) on acgs serve ${producer?.service}`, async (t) => {
      assert.ok(producer, `no producer known for ${rule.source}`);
      const family = exposition(await metricsOf(producer.service)).get(rule.source);
      assert.ok(family, `${rule.source} is not on ${producer.service}'s /metrics`);
      assert.equal(family.type, rule.type);
      if (producer.movedElsewhere !== undefined) {
        t.diagnostic(`${rule.source} moves in ${producer.movedElsewhere}`);
        return;
      }
      assert.ok(family.sampled, `${rule.source} has no sample above zero after traffic`);
    });
  }
});

describe('probes: every path and port of the Deployments answers on a real process', () => {
  for (const service of Object.keys(SERVICES) as ServiceName[]) {
    test(`${service}: port ${SERVICES[service].defaultPort}, /health/live and /health/ready`, async () => {
      const objects = readYamlFile(`deploy/kubernetes/base/services/${service}/${service}.yaml`);
      const deployments = objects.filter((o) => o.kind === 'Deployment');
      assert.equal(deployments.length, 2);
      const paths = new Set<string>();
      for (const deployment of deployments) {
        const [container] = deployment.spec.template.spec.containers as KubeObject[];
        const http = container!.ports.find((p: KubeObject) => p.name === 'http');
        // The manifest's port is the one `acgs serve` listens on by default and is told to use.
        assert.equal(http.containerPort, SERVICES[service].defaultPort);
        assert.equal(
          container!.env.find((e: KubeObject) => e.name === 'ACGS_PORT').value,
          String(http.containerPort),
        );
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          assert.equal(container![probe].httpGet.port, 'http');
          paths.add(container![probe].httpGet.path);
        }
      }
      const service_ = objects.find((o) => o.kind === 'Service')!;
      assert.equal(service_.spec.ports[0].port, SERVICES[service].defaultPort);
      // Here it listens on a free port instead: other tests share this machine.
      const child = await serve(service);
      for (const path of paths) {
        const response = await fetch(`${child.url}${path}`);
        if (response.status === 503 && path === '/health/ready') {
          // Honest readiness: a service alone is not ready while the services it needs are away;
          // the probe still answers, naming only those.
          const body = (await response.json()) as { checks: Record<string, { status: string }> };
          const failing = Object.entries(body.checks)
            .filter(([, check]) => check.status !== 'ok')
            .map(([name]) => name);
          assert.ok(failing.length > 0, `${service} ${path}`);
          for (const name of failing) assert.ok(['auth', 'integrity'].includes(name), `${service}: ${name}`);
          continue;
        }
        assert.equal(response.status, 200, `${service} ${path}`);
      }
      assert.deepEqual([...paths].sort(), ['/health/live', '/health/ready']);
    });
  }
});

describe('probes: the NATS StatefulSet runs its configuration and answers its probes', {
  skip: toolSkip('nats-server', ['--version'], true),
}, () => {
  const objects = readYamlFile('deploy/kubernetes/base/common/nats.yaml');
  const config: string = find(objects, 'ConfigMap', 'acgs-nats').data['nats.conf'];
  const [container] = find(objects, 'StatefulSet', 'acgs-nats').spec.template.spec.containers as KubeObject[];
  const monitorPort = container!.ports.find((p: KubeObject) => p.name === 'monitor').containerPort as number;
  const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((name) => ({
    name,
    path: container![name].httpGet.path as string,
    port: container![name].httpGet.port as string,
  }));

  /** nats-server on the ConfigMap's configuration, its ports moved to free ones. */
  async function natsWith(text: string) {
    const dir = mkdtempSync(join(tmpdir(), 'acgs-nats-'));
    dataDirs.push(dir);
    const [client, monitor, cluster] = [await freePort(), await freePort(), await freePort()];
    const moved = text
      .replace(/^port: 4222$/m, `port: ${client}`)
      .replace(/^http_port: \d+$/m, `http_port: ${monitor}`)
      .replace(/^ {2}port: 6222$/m, `  port: ${cluster}`)
      .replace('/data/jetstream', join(dir, 'jetstream'));
    writeFileSync(join(dir, 'nats.conf'), moved);
    const child = spawn('nats-server', ['--config', join(dir, 'nats.conf')], {
      env: { ...process.env, POD_NAME: 'acgs-nats-0' },
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${monitor}`;
    try {
      await waitFor(
        `${url}/healthz`,
        (response) => response.status === 200 || response.status === 503,
        15_000,
      );
    } catch (error) {
      child.kill('SIGTERM');
      throw error;
    }
    return { url, stop: () => child.kill('SIGTERM') };
  }

  test('the probes use the monitor port the configuration opens', () => {
    assert.match(config, new RegExp(`^http_port: ${monitorPort}$`, 'm'));
    for (const probe of probes) assert.equal(probe.port, 'monitor', probe.name);
  });

  test('the configuration as deployed starts; start-up and liveness answer 200', async () => {
    const nats = await natsWith(config);
    try {
      for (const probe of probes.filter((p) => p.name !== 'readinessProbe')) {
        assert.equal((await fetch(`${nats.url}${probe.path}`)).status, 200, probe.path);
      }
      // Alone, the node has no JetStream meta leader yet: not ready, as a real pod before its peers.
      const readiness = probes.find((p) => p.name === 'readinessProbe')!;
      assert.equal((await fetch(`${nats.url}${readiness.path}`)).status, 503);
    } finally {
      nats.stop();
    }
  });

  test('without the cluster block (one node), the readiness probe answers 200', async () => {
    const nats = await natsWith(config.replace(/^cluster \{[\s\S]*?^\}\n/m, ''));
    try {
      const readiness = probes.find((p) => p.name === 'readinessProbe')!;
      await waitFor(`${nats.url}${readiness.path}`, (response) => response.status === 200, 15_000);
    } finally {
      nats.stop();
    }
  });
});
