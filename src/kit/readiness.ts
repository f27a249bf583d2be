import { withinDeadline } from '../kernel/deadline.js';
import type { ReadinessCheck } from './service-module.js';

export interface CheckResult {
  readonly status: 'ok' | 'failing';
  readonly latencyMs: number;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckResult>>;
  readonly failing: readonly string[];
}

const CHECK_TIMEOUT_MS = 2000;

/** Runs every check concurrently, each bounded by a timeout, so a dead dependency cannot hang a probe. */
export async function runReadinessChecks(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (check) => [check.name, await runOne(check)] as const));
  const failing = results.filter(([, result]) => result.status === 'failing').map(([name]) => name);
  return { ready: failing.length === 0, checks: Object.fromEntries(results), failing };
}

async function runOne(check: ReadinessCheck): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withinDeadline(check.check(), CHECK_TIMEOUT_MS);
    return { status: 'ok', latencyMs: elapsed(started) };
  } catch (error) {
    return { status: 'failing', latencyMs: elapsed(started), error: describe(error) };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** A short reason without stack or credentials (URLs in messages lose their userinfo). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.replace(/\/\/[^@/\s]+@/g, '//').slice(0, 200);
}
