/**
 * deploy/terraform: every file parses (HCL read by @cdktf/hcl2json, the parser behind CDK for
 * Terraform), `terraform fmt -check` passes where terraform is installed, every variable is
 * described, and the environments carry the assessment's values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { DEPLOY, toolSkip } from '../support/deploy-files.js';

const TERRAFORM = join(DEPLOY, 'terraform');

function tfFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '.terraform' ? [] : tfFiles(path);
    return name.endsWith('.tf') ? [path] : [];
  });
}

// biome-ignore lint/suspicious/noExplicitAny: parsed HCL is open-ended JSON.
type Hcl = Record<string, any>;

/** Every .tf file of a folder merged the way terraform reads a module (blocks of all files). */
async function readModule(dir: string): Promise<Hcl> {
  const merged: Hcl = {};
  for (const file of tfFiles(dir).filter((f) => join(f, '..') === dir)) {
    const parsed = (await parse(file, readFileSync(file, 'utf8'))) as Hcl;
    for (const [block, entries] of Object.entries(parsed)) {
      if (Array.isArray(entries)) merged[block] = [...(merged[block] ?? []), ...entries];
      else {
        merged[block] ??= {};
        for (const [name, value] of Object.entries(entries as Hcl)) {
          merged[block][name] = Array.isArray(value)
            ? [...(merged[block][name] ?? []), ...value]
            : { ...(merged[block][name] ?? {}), ...(value as Hcl) };
        }
      }
    }
  }
  return merged;
}

/** A Terraform expression as hcl2json writes it: `${...}`. */
const expr = (expression: string) => `\${${expression}}`;
const moduleCall = (env: Hcl, name: string): Hcl => env.module[name][0];
const resource = (mod: Hcl, type: string, name: string): Hcl => mod.resource[type][name][0];

describe('terraform files', () => {
  test('every .tf file parses', async () => {
    const files = tfFiles(TERRAFORM);
    assert.ok(files.length >= 20, `only ${files.length} files`);
    for (const file of files) {
      await assert.doesNotReject(parse(file, readFileSync(file, 'utf8')), relative(TERRAFORM, file));
    }
    await assert.rejects(parse('broken.tf', 'resource "a" "b" {\n  x = \n'), 'the parser refuses broken HCL');
  });

  test('terraform fmt -check passes', { skip: toolSkip('terraform', ['version'], false) }, () => {
    const result = spawnSync('terraform', ['fmt', '-check', '-recursive', TERRAFORM], { encoding: 'utf8' });
    assert.equal(result.status, 0, `not formatted: ${result.stdout}`);
  });

  test('every variable has a description and a type; modules validate their inputs', async () => {
    let validated = 0;
    const dirs = ['networking', 'eks', 'rds', 'redis', 'backup-bucket']
      .map((m) => join(TERRAFORM, 'modules', m))
      .concat(['production', 'dr'].map((e) => join(TERRAFORM, 'environments', e)));
    for (const dir of dirs) {
      const mod = await readModule(dir);
      for (const [name, [variable]] of Object.entries(mod.variable as Record<string, Hcl[]>)) {
        assert.ok(
          typeof variable!.description === 'string' && variable!.description.length > 10,
          `${dir} var.${name}`,
        );
        assert.ok(variable!.type, `${dir} var.${name} has no type`);
        if (variable!.validation) validated++;
      }
    }
    assert.ok(validated >= 20, `only ${validated} variables validated`);
  });
});

describe('the production environment carries the assessment', async () => {
  const production = await readModule(join(TERRAFORM, 'environments', 'production'));
  const dr = await readModule(join(TERRAFORM, 'environments', 'dr'));

  test('VPC 10.0.0.0/16 over three availability zones with a NAT gateway per zone', async () => {
    const networking = moduleCall(production, 'networking');
    assert.equal(networking.vpc_cidr, '10.0.0.0/16');
    assert.equal(production.locals[0].azs.length, 3);
    assert.equal(production.provider.aws[0].region, expr('var.region'));
    assert.equal(production.variable.region[0].default, 'us-west-2');
    const mod = await readModule(join(TERRAFORM, 'modules', 'networking'));
    assert.equal(resource(mod, 'aws_nat_gateway', 'this').count, expr('length(var.availability_zones)'));
    assert.equal(
      resource(mod, 'aws_route_table', 'private').route[0].nat_gateway_id,
      expr('aws_nat_gateway.this[count.index].id'),
    );
  });

  test('EKS 1.28: general m5.large/m5.xlarge 3–20 (6), compute c5.2xlarge 0–10 (2), spot about 30 %', () => {
    const eks = moduleCall(production, 'eks');
    assert.equal(eks.cluster_version, '1.28');
    const groups = eks.node_groups as Record<string, Hcl>;
    const sizes = (g: Hcl) => [g.min_size, g.max_size, g.desired_size];
    assert.deepEqual(groups.general!.instance_types, ['m5.large', 'm5.xlarge']);
    assert.deepEqual(sizes(groups.general!), [3, 20, 6]);
    assert.equal(groups.general!.capacity_type, 'ON_DEMAND');
    assert.deepEqual(groups.compute!.instance_types, ['c5.2xlarge']);
    assert.deepEqual(sizes(groups.compute!), [0, 10, 2]);
    const spot = Object.entries(groups).filter(([, g]) => g.capacity_type === 'SPOT');
    assert.equal(spot.length, 1);
    assert.match(spot[0]![0], /spot/, 'the priority expander matches .*-spot-.*');
    const all = Object.values(groups);
    const share = (key: 'max_size' | 'desired_size') =>
      spot.reduce((n, [, g]) => n + g[key], 0) / all.reduce((n, g) => n + g[key], 0);
    for (const key of ['max_size', 'desired_size'] as const) {
      assert.ok(share(key) >= 0.25 && share(key) <= 0.35, `spot share of ${key}: ${share(key).toFixed(2)}`);
    }
  });

  test('the node groups are tagged for the Cluster Autoscaler and its IAM role is bound to its service account', async () => {
    const mod = await readModule(join(TERRAFORM, 'modules', 'eks'));
    const group = resource(mod, 'aws_eks_node_group', 'this');
    assert.match(JSON.stringify(group.tags), /k8s\.io\/cluster-autoscaler\/enabled/);
    assert.match(
      JSON.stringify(resource(mod, 'aws_iam_role', 'cluster_autoscaler')),
      /system:serviceaccount:kube-system:cluster-autoscaler/,
    );
    assert.match(
      JSON.stringify(resource(mod, 'aws_iam_role_policy', 'cluster_autoscaler')),
      /autoscaling:SetDesiredCapacity/,
    );
  });

  test('RDS PostgreSQL 15 multi-AZ, db.r5.xlarge, 500 GB, 30-day retention, encrypted, behind RDS Proxy', async () => {
    const rds = moduleCall(production, 'rds');
    assert.deepEqual(
      [
        rds.engine_version,
        rds.instance_class,
        rds.allocated_storage_gb,
        rds.multi_az,
        rds.backup_retention_days,
      ],
      ['15', 'db.r5.xlarge', 500, true, 30],
    );
    const mod = await readModule(join(TERRAFORM, 'modules', 'rds'));
    const db = resource(mod, 'aws_db_instance', 'this');
    assert.equal(db.engine, 'postgres');
    assert.equal(db.storage_encrypted, true);
    assert.equal(db.multi_az, expr('var.multi_az'));
    assert.equal(db.backup_retention_period, expr('var.backup_retention_days'));
    assert.equal(db.allocated_storage, expr('var.allocated_storage_gb'));
    assert.equal(resource(mod, 'aws_db_proxy', 'this').engine_family, 'POSTGRESQL');
  });

  test('the backup bucket: encrypted, versioned, 30-day lifecycle, replicated to the DR region', async () => {
    const backups = moduleCall(production, 'backups');
    assert.equal(backups.retention_days, 30);
    assert.equal(backups.replication_destination_arn, expr('var.dr_backup_bucket_arn'));
    const mod = await readModule(join(TERRAFORM, 'modules', 'backup-bucket'));
    assert.equal(
      resource(mod, 'aws_s3_bucket_versioning', 'this').versioning_configuration[0].status,
      'Enabled',
    );
    const sse = resource(mod, 'aws_s3_bucket_server_side_encryption_configuration', 'this');
    assert.equal(sse.rule[0].apply_server_side_encryption_by_default[0].sse_algorithm, 'aws:kms');
    const lifecycle = resource(mod, 'aws_s3_bucket_lifecycle_configuration', 'this').rule[0];
    assert.equal(lifecycle.expiration[0].days, expr('var.retention_days'));
    assert.equal(lifecycle.noncurrent_version_expiration[0].noncurrent_days, expr('var.retention_days'));
    assert.equal(backups.writer_oidc_provider_arn, expr('module.eks.oidc_provider_arn'));
    assert.equal(backups.writer_role_name, expr('local.name') + '-backup-writer');
    assert.equal(mod.variable.writer_service_account[0].default, 'acgs:acgs-backup');
    const writer = JSON.stringify(resource(mod, 'aws_iam_role_policy', 'writer'));
    assert.match(writer, /s3:PutObject/);
    assert.doesNotMatch(writer, /s3:DeleteObject/, 'the job cannot erase backups');
    const replication = resource(mod, 'aws_s3_bucket_replication_configuration', 'this');
    assert.equal(replication.rule[0].destination[0].bucket, expr('var.replication_destination_arn'));
  });

  test('ElastiCache Redis with failover and encryption in transit and at rest', async () => {
    assert.ok(moduleCall(production, 'redis'));
    const mod = await readModule(join(TERRAFORM, 'modules', 'redis'));
    const group = resource(mod, 'aws_elasticache_replication_group', 'this');
    assert.deepEqual(
      [
        group.engine,
        group.automatic_failover_enabled,
        group.transit_encryption_enabled,
        group.at_rest_encryption_enabled,
      ],
      ['redis', true, true, true],
    );
  });

  test('DR: us-east-1 over two zones, a cross-region read replica of the primary, the replication target bucket', () => {
    assert.equal(dr.variable.region[0].default, 'us-east-1');
    assert.equal(dr.locals[0].azs.length, 2);
    const rds = moduleCall(dr, 'rds');
    assert.equal(rds.replicate_source_arn, expr('var.promoted ? null : var.primary_database_arn'));
    assert.equal(rds.engine_version, '15');
    assert.equal(moduleCall(dr, 'eks').cluster_version, '1.28');
    assert.ok(moduleCall(dr, 'backups'));
    assert.equal(moduleCall(dr, 'networking').vpc_cidr, '10.1.0.0/16');
    assert.deepEqual(Object.keys(moduleCall(dr, 'eks').node_groups).sort(), ['general', 'spot-general']);
  });
});
