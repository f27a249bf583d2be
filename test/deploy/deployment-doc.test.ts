/**
 * docs/deployment.md: its table of the assessment's numbers matches the rendered production
 * overlay; its `sh` blocks run here; its `sh cloud` and `sh cluster` blocks (not runnable without
 * an AWS account or a cluster) name only `acgs` commands and options that exist and repository
 * paths that exist; its `sh ci` lines are in .ci/run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { find, REPO_ROOT, renderOverlay, toolSkip } from '../support/deploy-files.js';
import { CLI } from '../support/platform-process.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'deployment.md'), 'utf8');

interface Block {
  readonly info: string;
  readonly lines: string[];
  readonly line: number;
}

function blocks(): Block[] {
  const out: Block[] = [];
  const lines = doc.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ info: open[1]!.trim(), lines: body.filter((l) => l.trim() !== ''), line: start + 1 });
  }
  return out;
}

const KINDS = new Set(['sh', 'sh cloud', 'sh cluster', 'sh ci']);

/**
 * `acgs …` or `node dist/src/cli/main.js …` invocations in command position (line start, after
 * `;`, `|`, `&&`, `$(`, `do`, or `kubectl exec … --`): their words, quoted values as VALUE.
 */
function acgsInvocations(line: string): string[][] {
  const found: string[][] = [];
  for (const match of line.matchAll(
    /(?:^|[;|&(]\s*|\bdo\s+|\s--\s+)(?:acgs|node dist\/src\/cli\/main\.js)\s+([^|;&)`]+)/g,
  )) {
    const words = match[1]!
      .replace(/'[^']*'|"[^"]*"/g, 'VALUE')
      .trim()
      .split(/\s+/);
    found.push(words);
  }
  return found;
}

function help(path: readonly string[]): { status: number | null; text: string } {
  const result = spawnSync(process.execPath, [CLI, ...path, '--help'], { encoding: 'utf8' });
  return { status: result.status, text: result.stdout };
}

describe('docs/deployment.md', () => {
  test('every command block is of a known kind; there are some of each', () => {
    const all = blocks().filter((b) => b.info.startsWith('sh'));
    for (const block of all) assert.ok(KINDS.has(block.info), `line ${block.line}: \`\`\`${block.info}`);
    for (const kind of KINDS)
      assert.ok(
        all.some((b) => b.info === kind),
        kind,
      );
  });

  const kubectl = toolSkip('kubectl', ['version', '--client'], true);
  const terraform = toolSkip('terraform', ['version'], false);
  for (const block of blocks().filter((b) => b.info === 'sh')) {
    for (const line of block.lines) {
      const skip = line.startsWith('kubectl') ? kubectl : line.startsWith('terraform') ? terraform : false;
      test(`runs (line ${block.line}): ${line}`, { skip }, () => {
        const result = spawnSync('bash', ['-e', '-c', line], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
      });
    }
  }

  test('sh ci lines are what .ci/run runs', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    for (const block of blocks().filter((b) => b.info === 'sh ci')) {
      for (const line of block.lines) assert.ok(ci.includes(line), line);
    }
  });

  test('cloud and cluster blocks name acgs commands and options that exist, and paths that exist', () => {
    let commands = 0;
    let paths = 0;
    for (const block of blocks().filter((b) => b.info === 'sh cloud' || b.info === 'sh cluster')) {
      for (const line of block.lines) {
        for (const words of acgsInvocations(line)) {
          const leading = words.findIndex((w) => !/^[a-z][a-z-]*$/.test(w));
          const path = leading < 0 ? words : words.slice(0, leading);
          // The longest prefix that the CLI's own usage line names as a command.
          let known: string[] = [];
          for (let n = path.length; n > 0 && known.length === 0; n--) {
            if (help(path.slice(0, n)).text.startsWith(`Usage: acgs ${path.slice(0, n).join(' ')} `))
              known = path.slice(0, n);
          }
          assert.ok(known.length > 0, `no acgs command in: ${line}`);
          const { text } = help(known);
          for (const option of words.filter((w) => w.startsWith('--'))) {
            const name = option.split('=')[0]!;
            assert.ok(text.includes(name), `acgs ${known.join(' ')} has no ${name} (line ${block.line})`);
          }
          commands++;
        }
        for (const match of line.matchAll(
          /(?:^|[\s=])((?:deploy\/(?:kubernetes|terraform|argocd)|examples|scripts)\/[\w./-]+)/g,
        )) {
          assert.ok(existsSync(join(REPO_ROOT, match[1]!)), `${match[1]} (line ${block.line})`);
          paths++;
        }
      }
    }
    assert.ok(commands >= 7, `only ${commands} acgs commands checked`);
    assert.ok(paths >= 8, `only ${paths} paths checked`);
  });

  test('the table of the assessment matches the production overlay', { skip: kubectl }, () => {
    const production = renderOverlay('overlays/production');
    const table = doc.slice(doc.indexOf('| service | min | max |'));
    const rows = table
      .split('\n')
      .slice(2)
      .filter((l) => l.startsWith('|'))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    assert.equal(rows.length, 8);
    for (const [service, min, max, cpu, memory, limits] of rows as string[][]) {
      for (const colour of ['blue', 'green']) {
        const name = `acgs-${service}-${colour}`;
        const hpa = find(production, 'HorizontalPodAutoscaler', name);
        assert.deepEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas], [Number(min), Number(max)], name);
        const resources = find(production, 'Deployment', name).spec.template.spec.containers[0].resources;
        assert.deepEqual(resources.requests, { cpu, memory }, name);
        const [cpuLimit, memoryLimit] = limits!.split(' / ');
        assert.deepEqual(resources.limits, { cpu: cpuLimit, memory: memoryLimit }, name);
      }
    }
  });
});
