#!/usr/bin/env node
// Writes the Grafana dashboards of deploy/observability/grafana/dashboards/ (docs/observability.md):
// one overview and one per service. Edit here and run `node scripts/grafana-dashboards.mjs`;
// test/e2e/observability-prometheus.test.ts checks every expression against a real Prometheus.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = join('deploy', 'observability', 'grafana', 'dashboards');
/** Grafana's own variable syntax, not a JavaScript template. */
const DATASOURCE = { type: 'prometheus', uid: '$' + '{datasource}' };
const SERVICES = [
  ['auth', 'Auth'],
  ['ac', 'Constitutional AI'],
  ['integrity', 'Integrity'],
  ['fv', 'Formal Verification'],
  ['gs', 'Governance Synthesis'],
  ['pgc', 'Policy Governance Compiler'],
  ['ec', 'Executive Council'],
  ['dgm', 'Darwin Gödel Machine'],
];

let nextId = 1;
function panel(title, targets, { unit = 'short', width = 12, type = 'timeseries' } = {}) {
  return {
    id: nextId++,
    type,
    title,
    datasource: DATASOURCE,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' } } : {},
    gridPos: { h: 8, w: width, x: 0, y: 0 },
    targets: targets.map(([expr, legendFormat], i) => ({
      refId: String.fromCharCode(65 + i),
      expr,
      legendFormat,
    })),
  };
}

function layout(panels) {
  let x = 0;
  let y = 0;
  for (const p of panels) {
    if (x + p.gridPos.w > 24) {
      x = 0;
      y += 8;
    }
    p.gridPos.x = x;
    p.gridPos.y = y;
    x += p.gridPos.w;
  }
  return panels;
}

function dashboard(uid, title, panels, jobDefault) {
  nextId = 1;
  return {
    uid,
    title,
    tags: ['acgs'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
        {
          name: 'job',
          type: 'query',
          datasource: DATASOURCE,
          query: 'label_values(up{job=~"acgs.*"}, job)',
          regex: jobDefault,
          includeAll: true,
          allValue: '.+',
          multi: true,
          current: {},
          refresh: 2,
        },
      ],
    },
    panels: layout(panels),
  };
}

/** Rate, errors, latency and saturation of one service (or all, for the overview). */
function golden(service) {
  const s = service ? `service="${service}", ` : '';
  const by = service ? '' : ' by (service)';
  const legend = service ? service : '{{service}}';
  return [
    panel('Request rate', [[`sum${by} (service:http_requests:rate1m{${s}job=~"$job"})`, legend]], {
      unit: 'reqps',
    }),
    panel(
      'Error ratio (5xx)',
      [
        [
          `sum${by} (service:http_request_errors:rate1m{${s}job=~"$job"}) / sum${by} (service:http_requests:rate1m{${s}job=~"$job"})`,
          legend,
        ],
      ],
      { unit: 'percentunit' },
    ),
    panel(
      'Latency percentiles',
      [
        [`max${by} (service:http_request_duration_seconds:p50_5m{${s}job=~"$job"})`, `p50 ${legend}`],
        [`max${by} (service:http_request_duration_seconds:p95_5m{${s}job=~"$job"})`, `p95 ${legend}`],
        [`max${by} (service:http_request_duration_seconds:p99_5m{${s}job=~"$job"})`, `p99 ${legend}`],
      ],
      { unit: 's' },
    ),
    panel(
      'Saturation: CPU and memory of the limit',
      [
        ['instance:process_cpu:ratio_rate1m{job=~"$job"}', 'cpu {{instance}}'],
        ['instance:process_memory:ratio{job=~"$job"}', 'memory {{instance}}'],
      ],
      { unit: 'percentunit' },
    ),
    panel('Event loop lag p99', [['nodejs_eventloop_lag_p99_seconds{job=~"$job"}', '{{instance}}']], {
      unit: 's',
    }),
    panel('HPA replicas (Kubernetes)', [
      [
        `kube_horizontalpodautoscaler_status_current_replicas${service ? `{horizontalpodautoscaler="${service}"}` : ''}`,
        'current {{horizontalpodautoscaler}}',
      ],
      [
        `kube_horizontalpodautoscaler_spec_max_replicas${service ? `{horizontalpodautoscaler="${service}"}` : ''}`,
        'max {{horizontalpodautoscaler}}',
      ],
    ]),
  ];
}

const decisions = [
  panel('Decisions by outcome', [['acgs:decisions:rate1m', '{{decision}}']], { unit: 'ops' }),
  panel('Decision latency p99 (decide and log)', [['acgs:decision_duration_seconds:p99_5m', 'p99']], {
    unit: 's',
  }),
  panel(
    'Decisions waiting for the log, share of the bound',
    [['acgs:decisions_log_pending:ratio{job=~"$job"}', '{{mode}} {{instance}}']],
    { unit: 'percentunit' },
  ),
];
const log = [
  panel('Log growth', [
    ['acgs:log_appends:rate1m', 'appends/s'],
    ['max(acgs_log_tree_entries{job=~"$job"} and on (job, instance) acgs_log_sequencer == 1)', 'entries'],
  ]),
  panel(
    'Checkpoint age and interval',
    [
      ['max(acgs:log_checkpoint_age_seconds{job=~"$job"})', 'age'],
      ['max(acgs_log_checkpoint_interval_seconds{job=~"$job"})', 'interval'],
    ],
    { unit: 's' },
  ),
  panel('Log queue and unsigned entries', [
    ['sum(acgs_log_queue_entries{job=~"$job"})', 'queued appends'],
    ['max(acgs:log_unsigned_entries{job=~"$job"})', 'unsigned entries'],
  ]),
  panel(
    'Group commit p99',
    [
      [
        'histogram_quantile(0.99, sum by (le) (rate(acgs_log_commit_seconds_bucket{job=~"$job"}[5m])))',
        'p99',
      ],
    ],
    { unit: 's' },
  ),
];
const council = [
  panel('Review queue', [
    ['sum by (queue) (acgs_review_tasks_open{job=~"$job"})', 'open {{queue}}'],
    ['max(acgs_review_tasks_overdue{job=~"$job"})', 'overdue'],
  ]),
];
const verification = [
  panel('Activations refused by the verification gate', [
    ['sum by (reason) (increase(acgs_verification_refusals_total{job=~"$job"}[1h]))', '{{reason}}'],
  ]),
];
const synthesis = [
  panel('Synthesis queue and providers', [
    ['sum(policy_synthesis_queue_length{job=~"$job"})', 'queue'],
    ['sum by (provider) (rate(acgs_llm_requests_total{job=~"$job"}[5m]))', 'LLM requests/s {{provider}}'],
    ['max by (provider) (acgs_synthesis_breaker_open{job=~"$job"})', 'breaker open {{provider}}'],
  ]),
];
const auth = [
  panel(
    'Tokens verified by the guard',
    [['sum(rate(jwt_validations_total{job=~"$job"}[5m]))', 'validations/s']],
    {
      unit: 'ops',
    },
  ),
];

const own = {
  pgc: [...decisions, ...verification],
  integrity: log,
  ec: council,
  gs: synthesis,
  fv: verification,
  auth,
};

mkdirSync(OUT, { recursive: true });
const write = (name, body) => writeFileSync(join(OUT, name), `${JSON.stringify(body, null, 2)}\n`);
write(
  'acgs-overview.json',
  dashboard(
    'acgs-overview',
    'ACGS overview',
    [...golden(undefined), ...decisions, ...log, ...council, ...synthesis],
    '',
  ),
);
for (const [name, title] of SERVICES) {
  write(
    `acgs-${name}.json`,
    dashboard(
      `acgs-${name}`,
      `ACGS ${title} (${name})`,
      [...golden(name), ...(own[name] ?? [])],
      `/^acgs(-${name})?$/`,
    ),
  );
}
process.stdout.write(`wrote ${SERVICES.length + 1} dashboards to ${OUT}\n`);
