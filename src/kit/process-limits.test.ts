import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { cpuLimitCores, memoryLimitBytes, registerProcessLimits } from './process-limits.js';

test('the CPU limit is the cgroup quota over its period, else the cores available', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acgs-cgroup-'));
  try {
    writeFileSync(join(dir, 'limited'), '150000 100000\n');
    writeFileSync(join(dir, 'unlimited'), 'max 100000\n');
    assert.equal(cpuLimitCores(join(dir, 'limited')), 1.5);
    assert.equal(cpuLimitCores(join(dir, 'unlimited')), availableParallelism());
    assert.equal(cpuLimitCores(join(dir, 'absent')), availableParallelism());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the memory limit never exceeds the machine, and both gauges are exported', async () => {
  assert.ok(memoryLimitBytes() > 0 && memoryLimitBytes() <= totalmem());
  const registry = new Registry();
  registerProcessLimits(registry);
  const text = await registry.metrics();
  assert.match(text, /^acgs_process_cpu_limit_cores \d+(\.\d+)?$/m);
  assert.match(text, /^acgs_process_memory_limit_bytes \d+$/m);
});
