#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's built-in test runner, in two
// phases: unit, contract and property tests in parallel, then the end-to-end tests (dist/test/e2e),
// which start whole platforms and measure start-up, one file at a time so they do not compete for
// the CPU. Ends with one line that sums both phases: "tests: N passed, N failed, N skipped".
// Usage: node scripts/run-tests.mjs [--unit] [substring ...]   — only files whose path contains one
// of them; --unit: the first phase only (.ci/node24-tests).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const slowestFilesReporter = fileURLToPath(new URL('./slowest-files-reporter.mjs', import.meta.url));

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((arg) => arg !== '--unit');
const files = ['dist/src', 'dist/test']
  .flatMap((dir) => {
    try {
      return findTests(dir);
    } catch {
      return [];
    }
  })
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();

if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}

const isEndToEnd = (file) => file.startsWith(join('dist', 'test', 'e2e'));
const phases = [
  {
    name: 'unit, contract and property tests',
    files: files.filter((f) => !isEndToEnd(f)),
    concurrency: process.env.ACGS_TEST_CONCURRENCY ?? '3',
  },
  { name: 'end-to-end tests', files: unitOnly ? [] : files.filter(isEndToEnd), concurrency: '1' },
].filter((phase) => phase.files.length > 0);

function runPhase(phase) {
  return new Promise((resolve) => {
    process.stdout.write(`\n== ${phase.name} (${phase.files.length} files)\n`);
    const child = spawn(
      process.execPath,
      [
        '--test',
        `--test-concurrency=${phase.concurrency}`,
        // A test that never settles fails after ten minutes with its name, rather than holding the
        // run until CI's own limit; a file whose tests are done exits even if a handle leaked.
        '--test-timeout=600000',
        '--test-force-exit',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${slowestFilesReporter}`,
        '--test-reporter-destination=stderr',
        ...phase.files,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const counts = { pass: 0, fail: 0, skipped: 0 };
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffered += String(chunk);
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        // A cancelled test (one whose promise never settled) is a failure too.
        const match = /^ℹ (pass|fail|cancelled|skipped) (\d+)$/.exec(line.trim());
        if (match) counts[match[1] === 'cancelled' ? 'fail' : match[1]] += Number(match[2]);
      }
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, counts }));
  });
}

const total = { pass: 0, fail: 0, skipped: 0 };
let exitCode = 0;
for (const phase of phases) {
  const { code, counts } = await runPhase(phase);
  for (const key of Object.keys(total)) total[key] += counts[key];
  if (code !== 0) exitCode = code;
}
process.stdout.write(`\ntests: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped\n`);
process.exit(exitCode);
