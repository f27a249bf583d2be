/**
 * deploy/observability checked by the tools that run it: `promtool check rules`, `promtool test
 * rules` (every alert both firing and quiet, verified here from the test files), `promtool check
 * config`, `amtool check-config` and the three escalation routes, and a runbook section in
 * docs/observability.md for every alert.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'deploy', 'observability');
const prometheus = join(dir, 'prometheus');
const alertmanagerConfig = join(dir, 'alertmanager', 'alertmanager.yml');

function tool(name: string, packageName: string): string | false {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (!probe.error) return false;
  const reason = `${name} is not installed (Debian package ${packageName})`;
  if (process.env.CI) throw new Error(`CI is set and ${reason}`);
  return reason;
}
const noPromtool = tool('promtool', 'prometheus');
const noAmtool = tool('amtool', 'prometheus-alertmanager');

function run(command: string, args: readonly string[], cwd = prometheus) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

interface RuleFile {
  groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
}
const alerts = (parse(readFileSync(join(prometheus, 'alerting-rules.yml'), 'utf8')) as RuleFile).groups
  .flatMap((group) => group.rules)
  .map((rule) => rule.alert!)
  .filter(Boolean);
const testFiles = readdirSync(join(prometheus, 'tests'))
  .filter((name) => name.endsWith('.test.yml'))
  .map((name) => join('tests', name));

test('promtool check rules and promtool test rules pass', { skip: noPromtool }, () => {
  const checked = run('promtool', ['check', 'rules', 'recording-rules.yml', 'alerting-rules.yml']);
  assert.match(checked, new RegExp(`SUCCESS: ${alerts.length} rules found`));
  const tested = run('promtool', ['test', 'rules', ...testFiles]);
  assert.equal(tested.match(/SUCCESS/g)?.length, testFiles.length);
});

test('every alert is tested firing and quiet', () => {
  interface AlertTest {
    alertname: string;
    exp_alerts?: unknown[];
  }
  const cases = testFiles.flatMap((file) =>
    (
      parse(readFileSync(join(prometheus, file), 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []),
  );
  assert.ok(alerts.length >= 12, `found ${alerts.length} alerts`);
  for (const alert of alerts) {
    const mine = cases.filter((c) => c.alertname === alert);
    assert.ok(
      mine.some((c) => (c.exp_alerts ?? []).length > 0),
      `${alert} has a firing case`,
    );
    assert.ok(
      mine.some((c) => (c.exp_alerts ?? []).length === 0),
      `${alert} has a quiet case`,
    );
  }
});

test('every alert has a runbook section in docs/observability.md', () => {
  const doc = readFileSync(join(root, 'docs', 'observability.md'), 'utf8');
  const headings = new Set([...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]!.toLowerCase()));
  const rules = readFileSync(join(prometheus, 'alerting-rules.yml'), 'utf8');
  for (const alert of alerts) {
    assert.ok(headings.has(alert.toLowerCase()), `docs/observability.md has no "### ${alert}" runbook`);
    assert.ok(
      rules.includes(`runbook_url: docs/observability.md#${alert.toLowerCase()}`),
      `${alert} links its runbook`,
    );
  }
});

test('promtool check config passes on the Prometheus configuration', { skip: noPromtool }, () => {
  run('promtool', ['check', 'config', 'prometheus.yml']);
});

test('amtool check-config passes and routes the three escalation levels', { skip: noAmtool }, () => {
  run('amtool', ['check-config', alertmanagerConfig], dir);
  const route = (label: string) =>
    run('amtool', ['config', 'routes', 'test', `--config.file=${alertmanagerConfig}`, label], dir).trim();
  assert.equal(route('severity=critical'), 'pagerduty-oncall,slack-incidents');
  assert.equal(route('severity=warning'), 'slack-platform');
  assert.equal(route('severity=info'), 'email-platform-team');
  const config = readFileSync(alertmanagerConfig, 'utf8');
  for (const secret of ['routing_key_file', 'slack_api_url_file', 'smtp_auth_password_file']) {
    assert.ok(config.includes(secret), `${secret}: secrets come from files`);
  }
  assert.doesNotMatch(config, /routing_key:|api_url:|auth_password:/, 'no secret written inline');
});

test('Fluent Bit ships the ACGS containers’ JSON lines to Elasticsearch indices kept 90 days', () => {
  // Fluent Bit is not packaged for this Debian release: the configuration is checked by shape here.
  interface Plugin {
    readonly name: string;
    readonly [key: string]: unknown;
  }
  const config = parse(readFileSync(join(dir, 'fluent-bit', 'fluent-bit.yaml'), 'utf8')) as {
    pipeline: { inputs: Plugin[]; filters: Plugin[]; outputs: Plugin[] };
  };
  const tail = config.pipeline.inputs.find((p) => p.name === 'tail');
  assert.match(String(tail?.path), /_acgs_/, 'tails the acgs namespace’s containers');
  const kubernetes = config.pipeline.filters.find((p) => p.name === 'kubernetes');
  assert.equal(kubernetes?.merge_log, 'on', 'the JSON line becomes the record’s fields');
  const es = config.pipeline.outputs.find((p) => p.name === 'es');
  assert.equal(es?.logstash_format, 'on');
  assert.equal(es?.logstash_prefix, 'acgs-logs');
  assert.equal(
    es?.http_passwd,
    ['$', '{ELASTICSEARCH_PASSWORD}'].join(''),
    'the password comes from the environment',
  );

  const template = JSON.parse(readFileSync(join(dir, 'elasticsearch', 'index-template.json'), 'utf8')) as {
    index_patterns: string[];
    template: { settings: Record<string, string>; mappings: { properties: Record<string, unknown> } };
  };
  assert.deepEqual(template.index_patterns, ['acgs-logs-*']);
  assert.equal(template.template.settings['index.lifecycle.name'], 'acgs-logs-90d');
  for (const field of ['traceId', 'requestId', 'service', 'level']) {
    assert.ok(template.template.mappings.properties[field], `${field} is mapped`);
  }
  const policy = JSON.parse(readFileSync(join(dir, 'elasticsearch', 'ilm-policy.json'), 'utf8')) as {
    policy: { phases: { delete: { min_age: string; actions: Record<string, unknown> } } };
  };
  assert.equal(policy.policy.phases.delete.min_age, '90d');
  assert.ok('delete' in policy.policy.phases.delete.actions);
});
