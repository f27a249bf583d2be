#!/usr/bin/env node
// Runs the compiled benchmarks (dist/bench/*.bench.js) one after another, so none competes with
// another for the CPU. Each prints its figures and writes bench/results/<name>.json, and exits
// non-zero when it misses its target. Usage: node scripts/run-bench.mjs [substring ...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const benches = readdirSync(join('dist', 'bench'))
  .filter((name) => name.endsWith('.bench.js'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();
if (benches.length === 0) {
  console.error('run-bench: no benchmarks found (did the build run?)');
  process.exit(1);
}
const outcomes = [];
for (const name of benches) {
  process.stdout.write(`\n== ${name}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [join('dist', 'bench', name)], { stdio: 'inherit' });
  outcomes.push({ name, code: result.status ?? 1, seconds: Math.round((Date.now() - started) / 1000) });
}
process.stdout.write('\n');
for (const { name, code, seconds } of outcomes) {
  process.stdout.write(`${code === 0 ? 'met   ' : 'MISSED'} ${name} (${seconds} s)\n`);
}
process.exit(outcomes.some((o) => o.code !== 0) ? 1 : 0);
