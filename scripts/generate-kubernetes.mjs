#!/usr/bin/env node
// Writes the per-service Kubernetes and Istio files under deploy/kubernetes from one table (the
// infrastructure assessment's numbers), so the eight services cannot drift apart by hand edits.
// Usage: node scripts/generate-kubernetes.mjs          write the files
//        node scripts/generate-kubernetes.mjs --check  exit 1 when a committed file differs
// The hand-written parts (common objects, overlays, ingress, monitoring) are not generated.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'kubernetes');
const NAMESPACE = 'acgs';
const IMAGE = 'acgs';
const COLOURS = ['blue', 'green'];
/** ACGS_SHUTDOWN_TIMEOUT_MS in base/common/config.yaml, in seconds. */
const SHUTDOWN_SECONDS = 20;
/** The preStop pause that lets endpoints and sidecars forget a terminating pod first. */
const PRESTOP_SECONDS = 5;

const GENERAL_TARGETS = { cpu: 70, memory: 80 };
const DEFAULT_SCALE_DOWN = undefined; // Kubernetes' default (300 s window) where the assessment says nothing

/**
 * The assessment's table. `limits` the assessment leaves open are ours: five times the CPU
 * request and twice the memory request (docs/deployment.md says so).
 * `callers`: the services whose pods may call this one (AuthorizationPolicy and NetworkPolicy).
 */
const SERVICE_TABLE = [
  {
    name: 'auth',
    title: 'Auth',
    port: 8000,
    min: 3,
    max: 15,
    requests: { cpu: '100m', memory: '256Mi' },
    limits: { cpu: '1000m', memory: '1Gi' },
    targets: { cpu: 60, memory: 70 },
    podMetrics: { http_requests_per_second: 100, jwt_validations_per_second: 200 },
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 60,
        policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        policies: [{ type: 'Percent', value: 25, periodSeconds: 120 }],
      },
    },
    callers: ['ac', 'integrity', 'fv', 'gs', 'pgc', 'ec', 'dgm'],
  },
  {
    name: 'ac',
    title: 'Constitutional AI',
    port: 8001,
    min: 2,
    max: 10,
    requests: { cpu: '200m', memory: '512Mi' },
    callers: ['auth', 'integrity', 'fv', 'gs', 'pgc', 'ec', 'dgm'],
  },
  {
    name: 'integrity',
    title: 'Integrity',
    port: 8002,
    min: 2,
    max: 8,
    requests: { cpu: '100m', memory: '256Mi' },
    callers: ['auth', 'ac', 'fv', 'gs', 'pgc', 'ec', 'dgm'],
  },
  {
    name: 'fv',
    title: 'Formal Verification',
    port: 8003,
    min: 2,
    max: 8,
    requests: { cpu: '500m', memory: '1Gi' },
    callers: ['gs', 'pgc', 'ec', 'dgm'],
  },
  {
    name: 'gs',
    title: 'Governance Synthesis',
    port: 8004,
    min: 3,
    max: 12,
    requests: { cpu: '1000m', memory: '2Gi' },
    limits: { cpu: '4000m', memory: '8Gi' },
    targets: { cpu: 60, memory: 75 },
    podMetrics: { llm_requests_per_second: 10, policy_synthesis_queue_length: 50 },
    behavior: {
      scaleUp: {
        stabilizationWindowSeconds: 120,
        policies: [{ type: 'Pods', value: 2, periodSeconds: 120 }],
      },
    },
    callers: ['ec', 'dgm'],
  },
  {
    name: 'pgc',
    title: 'Policy Governance Compiler',
    port: 8005,
    min: 2,
    max: 10,
    requests: { cpu: '200m', memory: '512Mi' },
    limits: { cpu: '2000m', memory: '4Gi' },
    callers: ['gs', 'ec', 'dgm'],
  },
  {
    name: 'ec',
    title: 'Executive Council',
    port: 8006,
    min: 2,
    max: 6,
    requests: { cpu: '200m', memory: '512Mi' },
    callers: ['ac', 'pgc', 'dgm'],
  },
  {
    name: 'dgm',
    title: 'Darwin Gödel Machine',
    port: 8007,
    min: 2,
    max: 8,
    requests: { cpu: '500m', memory: '1Gi' },
    callers: ['ec'],
  },
];

const quantity = {
  cpu: (m) => Number.parseInt(m, 10),
  memory: (q) => {
    const [, n, unit] = /^(\d+)(Mi|Gi)$/.exec(q);
    return Number(n) * (unit === 'Gi' ? 1024 : 1);
  },
};
const formatMemory = (mi) => (mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`);

function limitsOf(s) {
  return (
    s.limits ?? {
      cpu: `${quantity.cpu(s.requests.cpu) * 5}m`,
      memory: formatMemory(quantity.memory(s.requests.memory) * 2),
    }
  );
}

const labels = (s, extra = {}) => ({
  'app.kubernetes.io/name': `acgs-${s.name}`,
  'app.kubernetes.io/part-of': 'acgs',
  'app.kubernetes.io/component': s.name,
  ...extra,
});
const selector = (s) => ({ 'app.kubernetes.io/name': `acgs-${s.name}` });
const meta = (name, s, extra = {}) => ({ name, namespace: NAMESPACE, labels: labels(s, extra) });

function deployment(s, colour) {
  const name = `acgs-${s.name}-${colour}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, s, { 'acgs.io/colour': colour }),
    spec: {
      // The HPA owns the replica count; this is only the first rollout's.
      replicas: s.min,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { ...selector(s), 'acgs.io/colour': colour } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labels(s, { 'acgs.io/colour': colour }),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(s.port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          serviceAccountName: `acgs-${s.name}`,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: PRESTOP_SECONDS + SHUTDOWN_SECONDS + 5,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { ...selector(s), 'acgs.io/colour': colour } },
            },
          ],
          containers: [
            {
              name: s.name,
              // One image name per colour, so an overlay (or Argo CD) can pin the idle colour to the next tag.
              image: `${IMAGE}-${colour}:latest`,
              imagePullPolicy: 'IfNotPresent',
              args: ['serve', s.name],
              ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
              env: [
                { name: 'ACGS_PORT', value: String(s.port) },
                { name: 'ACGS_DATA_DIR', value: '/data' },
              ],
              // Shared secrets, then the service's own (its ACGS_SERVICE_API_KEY as svc-<name>), which wins.
              envFrom: [
                { configMapRef: { name: 'acgs-config' } },
                { secretRef: { name: 'acgs-secrets' } },
                { secretRef: { name: `acgs-${s.name}-secrets`, optional: true } },
              ],
              resources: { requests: s.requests, limits: limitsOf(s) },
              startupProbe: {
                httpGet: { path: '/health/live', port: 'http' },
                periodSeconds: 2,
                timeoutSeconds: 3,
                failureThreshold: 30,
              },
              livenessProbe: {
                httpGet: { path: '/health/live', port: 'http' },
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              // The assessment's health check: every 5 s, 3 s timeout, healthy after 2, unhealthy after 3.
              readinessProbe: {
                httpGet: { path: '/health/ready', port: 'http' },
                periodSeconds: 5,
                timeoutSeconds: 3,
                successThreshold: 2,
                failureThreshold: 3,
              },
              lifecycle: { preStop: { exec: { command: ['sleep', String(PRESTOP_SECONDS)] } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ],
        },
      },
    },
  };
}

function hpa(s, colour) {
  const targets = s.targets ?? GENERAL_TARGETS;
  const metrics = [
    {
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targets.cpu } },
    },
    {
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: targets.memory } },
    },
    ...Object.entries(s.podMetrics ?? {}).map(([name, value]) => ({
      type: 'Pods',
      pods: { metric: { name }, target: { type: 'AverageValue', averageValue: String(value) } },
    })),
  ];
  const behavior = s.behavior ?? DEFAULT_SCALE_DOWN;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(`acgs-${s.name}-${colour}`, s, { 'acgs.io/colour': colour }),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `acgs-${s.name}-${colour}` },
      minReplicas: s.min,
      maxReplicas: s.max,
      metrics,
      ...(behavior === undefined ? {} : { behavior }),
    },
  };
}

function pdb(s, colour) {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(`acgs-${s.name}-${colour}`, s, { 'acgs.io/colour': colour }),
    spec: { maxUnavailable: 1, selector: { matchLabels: { ...selector(s), 'acgs.io/colour': colour } } },
  };
}

function service(s) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(`acgs-${s.name}`, s),
    spec: {
      type: 'ClusterIP',
      selector: selector(s),
      ports: [{ name: 'http', port: s.port, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    },
  };
}

function serviceAccount(s) {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(`acgs-${s.name}`, s),
    automountServiceAccountToken: false,
  };
}

/** Who may reach this service's port: its callers, the ingress controller, Prometheus. */
function networkPolicy(s) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(`acgs-${s.name}`, s),
    spec: {
      podSelector: { matchLabels: selector(s) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            ...s.callers.map((caller) => ({
              podSelector: { matchLabels: { 'app.kubernetes.io/name': `acgs-${caller}` } },
            })),
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
          ],
          ports: [{ protocol: 'TCP', port: s.port }],
        },
        // Prometheus: /metrics, and the sidecar's merged metrics on 15020 under STRICT mTLS.
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [
            { protocol: 'TCP', port: s.port },
            { protocol: 'TCP', port: 15020 },
          ],
        },
      ],
    },
  };
}

function destinationRule(s) {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: meta(`acgs-${s.name}`, s),
    spec: {
      host: `acgs-${s.name}.${NAMESPACE}.svc.cluster.local`,
      trafficPolicy: {
        loadBalancer: { simple: 'LEAST_CONN' },
        outlierDetection: {
          consecutive5xxErrors: 5,
          interval: '30s',
          baseEjectionTime: '30s',
          maxEjectionPercent: 50,
        },
        tls: { mode: 'ISTIO_MUTUAL' },
      },
      subsets: COLOURS.map((colour) => ({ name: colour, labels: { 'acgs.io/colour': colour } })),
    },
  };
}

/** The weights the release tool moves: all traffic on blue until a release starts. */
function virtualService(s) {
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: meta(`acgs-${s.name}`, s),
    spec: {
      hosts: [`acgs-${s.name}.${NAMESPACE}.svc.cluster.local`],
      http: [
        {
          name: 'primary',
          route: COLOURS.map((colour) => ({
            destination: {
              host: `acgs-${s.name}.${NAMESPACE}.svc.cluster.local`,
              subset: colour,
              port: { number: s.port },
            },
            weight: colour === 'blue' ? 100 : 0,
          })),
          retries: {
            attempts: 3,
            perTryTimeout: '2s',
            retryOn: 'connect-failure,refused-stream,unavailable,cancelled,503',
          },
        },
      ],
    },
  };
}

const INGRESS_PRINCIPAL = 'cluster.local/ns/ingress-nginx/sa/ingress-nginx';
const ALL_SERVICES = ['auth', 'ac', 'integrity', 'fv', 'gs', 'pgc', 'ec', 'dgm'];

/**
 * The service permission table (docs/security.md): routes between services that name which
 * services may call them (`config.auth.services` in the code). `ingress`: other roles (an admin)
 * may call it too, so it is also open to the ingress controller. The mesh refuses every other
 * caller before the request reaches the pod; `test/e2e/auth-matrix.test.ts` checks this table
 * against the running platform's routes, both ways.
 */
const SERVICE_ROUTES = {
  ac: [{ method: 'POST', path: '/api/v1/constitution/enactments', services: ['ec'] }],
  integrity: [{ method: 'POST', path: '/api/v1/log/entries', services: ALL_SERVICES }],
  gs: [{ method: 'POST', path: '/api/v1/synthesis/changes', services: ['dgm'] }],
  pgc: [
    { method: 'POST', path: '/api/v1/policies/bundles/:id/activate', services: ['ec'], ingress: true },
    { method: 'POST', path: '/api/v1/policies/retirements', services: ['ec'] },
    { method: 'POST', path: '/api/v1/policies/synthesized-bundles', services: ['gs'] },
  ],
  ec: [
    { method: 'GET', path: '/api/v1/council/proposals/:id/authority', services: ['ac', 'pgc'] },
    { method: 'POST', path: '/api/v1/council/ratifications', services: ['pgc'] },
    { method: 'POST', path: '/api/v1/council/variant-adoptions', services: ['dgm'] },
    { method: 'POST', path: '/api/v1/council/activation-proposals', services: ['gs'] },
  ],
};

/**
 * A route's path as an Istio path: exact, or — with parameters — a suffix match on what follows
 * the last one (Istio 1.20 matches no wildcard inside a path; the auth-matrix test checks that the
 * suffix names no other route of the service).
 */
function istioPath(path) {
  const segments = path.split('/');
  const last = segments.findLastIndex((segment) => segment.startsWith(':'));
  return last < 0 ? path : `*/${segments.slice(last + 1).join('/')}`;
}

/** A DENY policy (Istio evaluates it before the ALLOW ones) for every caller a route does not name. */
function serviceRoutePolicies(s) {
  const routes = SERVICE_ROUTES[s.name] ?? [];
  if (routes.length === 0) return [];
  const principal = (sa) => `cluster.local/ns/${NAMESPACE}/sa/${sa}`;
  return [
    {
      apiVersion: 'security.istio.io/v1beta1',
      kind: 'AuthorizationPolicy',
      metadata: meta(`acgs-${s.name}-service-routes`, s),
      spec: {
        selector: { matchLabels: selector(s) },
        action: 'DENY',
        rules: routes.map((r) => ({
          from: [
            {
              source: {
                notPrincipals: [
                  ...r.services.map((caller) => principal(`acgs-${caller}`)),
                  ...(r.ingress ? [INGRESS_PRINCIPAL] : []),
                ],
              },
            },
          ],
          // A GET route answers HEAD too (Fastify's exposeHeadRoutes).
          to: [
            {
              operation: {
                methods: r.method === 'GET' ? ['GET', 'HEAD'] : [r.method],
                paths: [istioPath(r.path)],
              },
            },
          ],
        })),
      },
    },
  ];
}

function authorizationPolicy(s) {
  const principal = (sa) => `cluster.local/ns/${NAMESPACE}/sa/${sa}`;
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: meta(`acgs-${s.name}`, s),
    spec: {
      selector: { matchLabels: selector(s) },
      action: 'ALLOW',
      rules: [
        { from: [{ source: { principals: s.callers.map((caller) => principal(`acgs-${caller}`)) } }] },
        // Users and agents arrive through the ingress controller, on the service's API paths only.
        {
          from: [{ source: { principals: [INGRESS_PRINCIPAL] } }],
          to: [{ operation: { paths: ['/api/v1/*', '/health/*', '/openapi*', '/.well-known/*'] } }],
        },
        {
          from: [{ source: { namespaces: ['monitoring'] } }],
          to: [{ operation: { methods: ['GET'], paths: ['/metrics'] } }],
        },
      ],
    },
  };
}

const header =
  '# Generated by scripts/generate-kubernetes.mjs from the assessment table; edit the script, not this file.\n';
const documents = (objects) => header + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
const kustomization = (resources) =>
  stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });

function files() {
  const out = new Map();
  for (const s of SERVICE_TABLE) {
    out.set(
      `base/services/${s.name}/${s.name}.yaml`,
      documents([
        serviceAccount(s),
        service(s),
        networkPolicy(s),
        ...COLOURS.flatMap((colour) => [deployment(s, colour), hpa(s, colour), pdb(s, colour)]),
      ]),
    );
    out.set(`base/services/${s.name}/kustomization.yaml`, kustomization([`${s.name}.yaml`]));
    out.set(
      `mesh/services/${s.name}/${s.name}.yaml`,
      documents([destinationRule(s), virtualService(s), authorizationPolicy(s), ...serviceRoutePolicies(s)]),
    );
    out.set(`mesh/services/${s.name}/kustomization.yaml`, kustomization([`${s.name}.yaml`]));
  }
  return out;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [path, text] of files()) {
  const full = join(ROOT, path);
  if (check) {
    let current = '';
    try {
      current = readFileSync(full, 'utf8');
    } catch {}
    if (current !== text) {
      console.error(`stale: deploy/kubernetes/${path}`);
      stale++;
    }
  } else {
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
}
if (stale > 0) {
  console.error('run: node scripts/generate-kubernetes.mjs');
  process.exit(1);
}
console.log(`${check ? 'up to date' : 'written'}: ${files().size} files under deploy/kubernetes`);
