/**
 * deploy/kubernetes: every overlay renders with `kubectl kustomize`, every object validates against
 * its schema, and the production overlay carries each number of the infrastructure assessment
 * (the table in docs/deployment.md, checked row by row here and in deployment-doc.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  find,
  type KubeObject,
  REPO_ROOT,
  readYamlFile,
  renderOverlay,
  SERVED_BY_1_28,
  toolSkip,
  validateObject,
} from '../support/deploy-files.js';
import { CLI } from '../support/platform-process.js';

const skip = toolSkip('kubectl', ['version', '--client'], true);
const OVERLAYS = ['development', 'staging', 'production', 'dr'] as const;

/** The assessment's table, as the issue states it. */
export const ASSESSMENT = [
  { service: 'auth', min: 3, max: 15, cpu: '100m', memory: '256Mi', limits: ['1000m', '1Gi'] },
  { service: 'ac', min: 2, max: 10, cpu: '200m', memory: '512Mi' },
  { service: 'integrity', min: 2, max: 8, cpu: '100m', memory: '256Mi' },
  { service: 'fv', min: 2, max: 8, cpu: '500m', memory: '1Gi' },
  { service: 'gs', min: 3, max: 12, cpu: '1000m', memory: '2Gi', limits: ['4000m', '8Gi'] },
  { service: 'pgc', min: 2, max: 10, cpu: '200m', memory: '512Mi', limits: ['2000m', '4Gi'] },
  { service: 'ec', min: 2, max: 6, cpu: '200m', memory: '512Mi' },
  { service: 'dgm', min: 2, max: 8, cpu: '500m', memory: '1Gi' },
] as const;
const COLOURS = ['blue', 'green'] as const;

const rendered = new Map<string, KubeObject[]>();
function overlay(name: string): KubeObject[] {
  let objects = rendered.get(name);
  if (objects === undefined) {
    objects = renderOverlay(`overlays/${name}`);
    rendered.set(name, objects);
  }
  return objects;
}

describe('every overlay renders and validates', { skip }, () => {
  for (const name of OVERLAYS) {
    test(`${name}: kubectl kustomize renders it and every object matches its schema`, () => {
      const objects = overlay(name);
      assert.ok(objects.length > 40, `${name} rendered only ${objects.length} objects`);
      const problems = objects.flatMap(validateObject);
      assert.deepEqual(problems, []);
      const unserved = objects.filter((o) => !SERVED_BY_1_28.has(o.apiVersion));
      assert.deepEqual(
        unserved.map((o) => `${o.kind} ${o.apiVersion}`),
        [],
        'API versions a 1.28 cluster does not serve',
      );
    });
  }

  test('the Argo CD Application validates and points at the production overlay', () => {
    const [application] = readYamlFile('deploy/argocd/application.yaml');
    assert.ok(application);
    assert.deepEqual(validateObject(application), []);
    assert.equal(application.spec.source.path, 'deploy/kubernetes/overlays/production');
    const rendered = spawnSync('kubectl', ['kustomize', join(REPO_ROOT, application.spec.source.path)]);
    assert.equal(rendered.status, 0);
  });

  test('a schema violation is caught (the validator is not a no-op)', () => {
    const deployment = structuredClone(find(overlay('production'), 'Deployment', 'acgs-auth-blue'));
    deployment.spec.template.spec.containers[0].resources.requests.cpu = { not: 'a quantity' };
    assert.equal(validateObject(deployment).length, 1);
    const rule = structuredClone(find(overlay('production'), 'DestinationRule', 'acgs-auth'));
    rule.spec.trafficPolicy.loadBalancer.simple = 'FASTEST';
    assert.equal(validateObject(rule).length, 1);
  });

  test('the generated per-service files are what scripts/generate-kubernetes.mjs writes', () => {
    const check = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'scripts', 'generate-kubernetes.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(check.status, 0, check.stderr);
  });
});

describe('the production overlay carries the assessment', { skip }, () => {
  const production = () => overlay('production');

  for (const row of ASSESSMENT) {
    for (const colour of COLOURS) {
      test(`${row.service} (${colour}): replicas ${row.min}–${row.max}, requests ${row.cpu}/${row.memory}${'limits' in row ? `, limits ${row.limits.join('/')}` : ''}`, () => {
        const name = `acgs-${row.service}-${colour}`;
        const hpa = find(production(), 'HorizontalPodAutoscaler', name);
        assert.equal(hpa.spec.minReplicas, row.min);
        assert.equal(hpa.spec.maxReplicas, row.max);
        assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name });
        const container = find(production(), 'Deployment', name).spec.template.spec.containers[0];
        assert.deepEqual(container.resources.requests, { cpu: row.cpu, memory: row.memory });
        if ('limits' in row)
          assert.deepEqual(container.resources.limits, { cpu: row.limits[0], memory: row.limits[1] });
        else assert.ok(container.resources.limits.cpu && container.resources.limits.memory);
        assert.deepEqual(container.args, ['serve', row.service]);
      });
    }
  }

  const targets = (hpa: KubeObject) =>
    Object.fromEntries(
      // biome-ignore lint/suspicious/noExplicitAny: HPA metric specs
      hpa.spec.metrics.map((m: any) =>
        m.type === 'Resource'
          ? [m.resource.name, m.resource.target.averageUtilization]
          : [m.pods.metric.name, Number(m.pods.target.averageValue)],
      ),
    );

  test('auth scales on CPU 60 %, memory 70 %, 100 requests/s and 200 JWT validations/s per pod', () => {
    const hpa = find(production(), 'HorizontalPodAutoscaler', 'acgs-auth-blue');
    assert.deepEqual(targets(hpa), {
      cpu: 60,
      memory: 70,
      http_requests_per_second: 100,
      jwt_validations_per_second: 200,
    });
    assert.deepEqual(hpa.spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 60,
        policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        policies: [{ type: 'Percent', value: 25, periodSeconds: 120 }],
      },
    });
  });

  test('governance synthesis scales on CPU 60 %, memory 75 %, 10 LLM requests/s, queue 50; up 2 pods per 120 s', () => {
    const hpa = find(production(), 'HorizontalPodAutoscaler', 'acgs-gs-green');
    assert.deepEqual(targets(hpa), {
      cpu: 60,
      memory: 75,
      llm_requests_per_second: 10,
      policy_synthesis_queue_length: 50,
    });
    assert.deepEqual(hpa.spec.behavior.scaleUp, {
      stabilizationWindowSeconds: 120,
      policies: [{ type: 'Pods', value: 2, periodSeconds: 120 }],
    });
  });

  test('the other services scale on CPU 70 % and memory 80 %', () => {
    for (const service of ['ac', 'integrity', 'fv', 'pgc', 'ec', 'dgm']) {
      for (const colour of COLOURS) {
        const hpa = find(production(), 'HorizontalPodAutoscaler', `acgs-${service}-${colour}`);
        assert.deepEqual(targets(hpa), { cpu: 70, memory: 80 }, service);
      }
    }
  });

  test('probes: liveness and readiness paths; readiness every 5 s, timeout 3 s, healthy after 2, unhealthy after 3', () => {
    for (const deployment of production().filter(
      (o) => o.kind === 'Deployment' && o.metadata.labels?.['acgs.io/colour'],
    )) {
      const [container] = deployment.spec.template.spec.containers;
      assert.equal(container.livenessProbe.httpGet.path, '/health/live');
      assert.equal(container.startupProbe.httpGet.path, '/health/live');
      const { readinessProbe } = container;
      assert.equal(readinessProbe.httpGet.path, '/health/ready');
      assert.deepEqual(
        [
          readinessProbe.periodSeconds,
          readinessProbe.timeoutSeconds,
          readinessProbe.successThreshold,
          readinessProbe.failureThreshold,
        ],
        [5, 3, 2, 3],
      );
      assert.equal(readinessProbe.httpGet.port, 'http');
    }
  });

  test('pods: restricted security context, zone spread, graceful termination covering the shutdown timeout', () => {
    const config = find(production(), 'ConfigMap', 'acgs-config');
    const shutdownSeconds = Number(config.data.ACGS_SHUTDOWN_TIMEOUT_MS) / 1000;
    const deployments = production().filter(
      (o) => o.kind === 'Deployment' && o.metadata.namespace === 'acgs',
    );
    assert.equal(deployments.length, 16);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
      const [container] = pod.containers;
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      assert.deepEqual(
        pod.topologySpreadConstraints.map((c: KubeObject) => [c.topologyKey, c.whenUnsatisfiable]),
        [['topology.kubernetes.io/zone', 'DoNotSchedule']],
      );
      const preStop = Number(container.lifecycle.preStop.exec.command[1]);
      assert.ok(pod.terminationGracePeriodSeconds > preStop + shutdownSeconds, deployment.metadata.name);
    }
    const namespace = find(production(), 'Namespace', 'acgs');
    assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(namespace.metadata.labels['istio-injection'], 'enabled');
  });

  test('every service has a Service, PodDisruptionBudgets, a NetworkPolicy and its own ServiceAccount', () => {
    for (const { service } of ASSESSMENT) {
      const name = `acgs-${service}`;
      find(production(), 'Service', name);
      find(production(), 'NetworkPolicy', name);
      find(production(), 'ServiceAccount', name);
      for (const colour of COLOURS) {
        find(production(), 'PodDisruptionBudget', `${name}-${colour}`);
        const deployment = find(production(), 'Deployment', `${name}-${colour}`);
        assert.equal(deployment.spec.template.spec.serviceAccountName, name);
      }
    }
    const deny = find(production(), 'NetworkPolicy', 'default-deny');
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('ingress: round robin, 6,000 requests a minute per client with a burst of 1,000, TLS terminated', () => {
    const ingress = find(production(), 'Ingress', 'acgs');
    const a = ingress.metadata.annotations;
    assert.equal(a['nginx.ingress.kubernetes.io/load-balance'], 'round_robin');
    assert.equal(Number(a['nginx.ingress.kubernetes.io/limit-rps']) * 60, 6000);
    assert.equal(
      Number(a['nginx.ingress.kubernetes.io/limit-rps']) *
        Number(a['nginx.ingress.kubernetes.io/limit-burst-multiplier']),
      1000,
    );
    assert.equal(ingress.spec.tls[0].secretName, 'acgs-tls');
    assert.equal(a['nginx.ingress.kubernetes.io/force-ssl-redirect'], 'true');
    const backends = new Set(
      ingress.spec.rules[0].http.paths.map((p: KubeObject) => p.backend.service.name as string),
    );
    assert.equal(backends.size, 8);
  });

  test('Istio: LEAST_CONN, ejection after 5 errors (30 s interval, 30 s), 3 retries of 2 s, STRICT mTLS', () => {
    for (const { service } of ASSESSMENT) {
      const rule = find(production(), 'DestinationRule', `acgs-${service}`);
      assert.equal(rule.spec.trafficPolicy.loadBalancer.simple, 'LEAST_CONN');
      const outlier = rule.spec.trafficPolicy.outlierDetection;
      assert.deepEqual(
        [outlier.consecutive5xxErrors, outlier.interval, outlier.baseEjectionTime],
        [5, '30s', '30s'],
      );
      assert.deepEqual(
        rule.spec.subsets.map((s: KubeObject) => s.name),
        ['blue', 'green'],
      );
      const route = find(production(), 'VirtualService', `acgs-${service}`).spec.http[0];
      assert.deepEqual([route.retries.attempts, route.retries.perTryTimeout], [3, '2s']);
      assert.deepEqual(
        route.route.map((r: KubeObject) => [r.destination.subset, r.weight]),
        [
          ['blue', 100],
          ['green', 0],
        ],
      );
    }
    const peer = find(production(), 'PeerAuthentication', 'default');
    assert.equal(peer.spec.mtls.mode, 'STRICT');
  });

  test('authorization: each service accepts only its callers, the ingress controller and Prometheus', () => {
    const principals = (service: string) =>
      find(production(), 'AuthorizationPolicy', `acgs-${service}`).spec.rules.flatMap((r: KubeObject) =>
        r.from.flatMap((f: KubeObject) => f.source.principals ?? []),
      );
    assert.ok(!principals('dgm').includes('cluster.local/ns/acgs/sa/acgs-auth'), 'auth never calls dgm');
    assert.ok(principals('dgm').includes('cluster.local/ns/acgs/sa/acgs-ec'));
    assert.ok(principals('auth').includes('cluster.local/ns/acgs/sa/acgs-pgc'));
    for (const { service } of ASSESSMENT) {
      assert.ok(
        !principals(service).includes(`cluster.local/ns/acgs/sa/acgs-${service}`),
        `${service} lists itself`,
      );
    }
    const denyAll = find(production(), 'AuthorizationPolicy', 'deny-by-default');
    assert.deepEqual(denyAll.spec, {});
  });

  test('NATS JetStream: a three-node StatefulSet with a persistent volume each', () => {
    const nats = find(production(), 'StatefulSet', 'acgs-nats');
    assert.equal(nats.spec.replicas, 3);
    assert.equal(nats.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '10Gi');
    assert.match(find(production(), 'ConfigMap', 'acgs-nats').data['nats.conf'], /jetstream/);
  });

  test('the Cluster Autoscaler discovers the production node groups and prefers spot', () => {
    const autoscaler = find(production(), 'Deployment', 'cluster-autoscaler');
    const command: string[] = autoscaler.spec.template.spec.containers[0].command;
    assert.ok(command.includes('--expander=priority'));
    assert.ok(command.some((c) => c.endsWith('k8s.io/cluster-autoscaler/acgs-production')));
    assert.match(
      find(production(), 'ConfigMap', 'cluster-autoscaler-priority-expander').data.priorities,
      /50:\n\s+- \.\*-spot-\.\*/,
    );
    assert.match(
      find(production(), 'ServiceAccount', 'cluster-autoscaler').metadata.annotations[
        'eks.amazonaws.com/role-arn'
      ],
      /role\/acgs-production-cluster-autoscaler$/,
    );
  });
});

describe('what the manifests run', { skip }, () => {
  test('every command an acgs container runs exists, with the options it passes', () => {
    const commands = new Map<string, string[]>();
    for (const object of [...overlay('production'), ...overlay('dr')]) {
      const pod =
        object.kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec?.template?.spec;
      if (pod === undefined) continue;
      for (const container of [...(pod.initContainers ?? []), ...pod.containers] as KubeObject[]) {
        if (!/\/acgs:|^acgs[:-]/.test(container.image)) continue;
        const args = container.args as string[];
        // `serve <service>`: one check for the command, the service names are checked above.
        const words = args.filter((a) => !a.startsWith('-') && !a.startsWith('/'));
        commands.set(words.slice(0, args[0] === 'serve' ? 1 : words.length).join(' '), args);
      }
    }
    assert.deepEqual([...commands.keys()].sort(), ['backup create', 'migrate', 'serve']);
    for (const [command, args] of commands) {
      const help = spawnSync(process.execPath, [CLI, ...command.split(' '), '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, command);
      assert.ok(help.stdout.startsWith(`Usage: acgs ${command} `), help.stdout.slice(0, 80));
      for (const option of args.filter((a) => a.startsWith('--')))
        assert.ok(help.stdout.includes(option), `${command} ${option}`);
    }
  });

  test('backups: every 6 hours, acgs backup create then a copy to the S3 bucket, on the writer role', () => {
    const production = overlay('production');
    const cronJob = find(production, 'CronJob', 'acgs-backup');
    assert.equal(cronJob.spec.schedule, '0 */6 * * *');
    assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    assert.deepEqual(pod.initContainers[0].args, ['backup', 'create', '--out', '/backups']);
    assert.deepEqual(pod.containers[0].args.slice(0, 3), ['s3', 'cp', '--recursive']);
    assert.equal(
      find(production, 'ConfigMap', 'acgs-backup').data.BACKUP_S3_URI,
      's3://acgs-production-backups-111122223333/acgs/',
    );
    assert.match(
      find(production, 'ServiceAccount', 'acgs-backup').metadata.annotations['eks.amazonaws.com/role-arn'],
      /role\/acgs-production-backup-writer$/,
    );
    assert.equal(pod.serviceAccountName, 'acgs-backup');
  });
});

describe('the disaster-recovery overlay', { skip }, () => {
  test('runs the core services only (auth, constitutional AI, integrity, PGC), spread over zones', () => {
    const dr = overlay('dr');
    const services = new Set(
      dr
        .filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'acgs')
        .map((o) => o.metadata.labels['app.kubernetes.io/component']),
    );
    assert.deepEqual([...services].sort(), ['ac', 'auth', 'integrity', 'pgc']);
    const image = find(dr, 'Deployment', 'acgs-auth-blue').spec.template.spec.containers[0].image as string;
    assert.match(image, /\.us-east-1\./);
    const ingress = find(dr, 'Ingress', 'acgs');
    const backends = new Set(ingress.spec.rules[0].http.paths.map((p: KubeObject) => p.backend.service.name));
    assert.deepEqual([...backends].sort(), ['acgs-ac', 'acgs-auth', 'acgs-integrity', 'acgs-pgc']);
  });
});
