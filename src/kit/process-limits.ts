/**
 * The CPU and memory this process may use — its container's limits (cgroup v2 `cpu.max`,
 * `process.constrainedMemory()`), else the machine's — as gauges, so the CPU and memory alerts
 * (`deploy/observability`) divide usage by the limit with the platform's own metrics, in
 * Kubernetes and outside it alike.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/** Cores: the cgroup quota / period when one is set, else the cores the process may run on. */
export function cpuLimitCores(cpuMax = '/sys/fs/cgroup/cpu.max'): number {
  try {
    const [quota, period] = readFileSync(cpuMax, 'utf8').trim().split(/\s+/);
    if (quota !== undefined && quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
  } catch {
    // no cgroup v2 CPU controller here
  }
  return availableParallelism();
}

/** Bytes: the cgroup memory limit when one is set below the machine's memory, else the machine's. */
export function memoryLimitBytes(): number {
  const machine = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < machine ? constrained : machine;
}

export function registerProcessLimits(registry: Registry): void {
  new Gauge({
    name: 'acgs_process_cpu_limit_cores',
    help: 'CPU cores this process may use (container limit, else the machine).',
    registers: [registry],
  }).set(cpuLimitCores());
  new Gauge({
    name: 'acgs_process_memory_limit_bytes',
    help: 'Memory this process may use in bytes (container limit, else the machine).',
    registers: [registry],
  }).set(memoryLimitBytes());
}
