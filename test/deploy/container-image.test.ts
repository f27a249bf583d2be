/**
 * The Dockerfile, checked without a Docker engine (none runs here): its stages and runtime user,
 * that production dependencies are enough for every module the image ships, that its Node.js is
 * the one `.ci/run` tests the code on, and that the manifests run it as the user it declares.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, readYamlFile } from '../support/deploy-files.js';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** Instructions with their continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const finalStage = instructions.slice(instructions.findLastIndex((l) => l.startsWith('FROM ')));

test('multi-stage on Node.js 24, the version .ci/run tests the code with', () => {
  const from = instructions.filter((l) => l.startsWith('FROM '));
  assert.ok(from.length >= 2, 'multi-stage');
  for (const line of from) assert.match(line, /^FROM node:\$\{NODE_VERSION\}-bookworm-slim/);
  const version = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
  assert.match(version ?? '', /^24\.\d+\.\d+$/);
  const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  assert.equal(
    /^NODE24_VERSION=(\S+)$/m.exec(ci)?.[1],
    version,
    '.ci/run runs the unit tests on the same Node.js',
  );
});

test('the runtime stage: production dependencies only, non-root, data under /data, a health check', () => {
  assert.ok(instructions.some((l) => /npm ci --omit=dev/.test(l)));
  assert.ok(finalStage.some((l) => l === 'COPY --from=deps /app/node_modules ./node_modules'));
  const user = finalStage.find((l) => l.startsWith('USER '));
  assert.equal(user, 'USER 10001:10001');
  assert.ok(finalStage.some((l) => /ACGS_DATA_DIR=\/data/.test(l)));
  const health = finalStage.find((l) => l.startsWith('HEALTHCHECK '));
  assert.match(
    health ?? '',
    /--interval=10s --timeout=3s .*CMD \["node", "dist\/src\/cli\/container-healthcheck\.js"\]/,
  );
  assert.ok(statSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'container-healthcheck.js')).isFile());
  assert.ok(finalStage.includes('ENTRYPOINT ["node", "dist/src/cli/main.js"]'));
  for (const dir of ['examples', 'schemas']) assert.ok(finalStage.includes(`COPY ${dir} ./${dir}`), dir);
  // `acgs backup create` on PostgreSQL runs pg_dump (the backup CronJob uses this image).
  assert.ok(finalStage.some((l) => /apt-get install .*postgresql-client/.test(l)));
});

test('the manifests run the image as the user it declares', () => {
  for (const object of readYamlFile('deploy/kubernetes/base/services/auth/auth.yaml')) {
    if (object.kind !== 'Deployment') continue;
    assert.equal(object.spec.template.spec.securityContext.runAsUser, 10001);
    assert.equal(
      object.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'ACGS_DATA_DIR')
        .value,
      '/data',
    );
  }
});

/** The modules reachable from `entry` through relative imports, static and dynamic. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(
        /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g,
      ),
    ].map((m) => (m[1] ?? m[2] ?? m[3])!);
    seen.set(file, specifiers);
    for (const specifier of specifiers)
      if (specifier.startsWith('.')) queue.push(join(dirname(file), specifier));
  }
  return seen;
}

test('every package the image’s entry points reach is a production dependency', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const builtins = new Set(builtinModules);
  const missing = new Set<string>();
  const packages = new Set<string>();
  const entries = ['main.js', 'container-healthcheck.js'].map((f) =>
    join(REPO_ROOT, 'dist', 'src', 'cli', f),
  );
  let modules = 0;
  for (const entry of entries) {
    for (const [file, specifiers] of reachable(entry)) {
      modules++;
      for (const specifier of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        packages.add(name);
        if (!(name in pkg.dependencies)) missing.add(`${name} (${file.slice(REPO_ROOT.length + 1)})`);
      }
    }
  }
  assert.ok(modules > 100, `reached only ${modules} modules`);
  assert.ok(packages.has('fastify') && packages.has('better-sqlite3'), [...packages].join(', '));
  assert.deepEqual([...missing], []);
});
