/**
 * At start-up: when no bundle is active and a policy directory is configured (ACGS_POLICY_DIR; the
 * example constitution's policies by default in embedded mode), bundle that directory against the
 * active constitution and activate it, through the same checks and gates as `acgs bundle create
 * --activate`. So a fresh embedded platform decides its first request instead of answering 503
 * PGC_NO_ACTIVE_BUNDLE. A directory that does not load, check or pass the gates stops start-up
 * with its problems.
 */
import { basename } from 'node:path';
import { ConfigError } from '../../../kernel/config.js';
import { PlatformError } from '../../../kernel/errors.js';
import { loadPolicies } from '../../../policy/index.js';
import type { PgcDeps } from '../pgc-deps.js';
import { type Activation, activateBundle } from './activate-bundle.js';
import { createBundle } from './create-bundle.js';

export async function bootstrapPolicies(deps: PgcDeps, dir: string): Promise<Activation | undefined> {
  if ((await deps.store.active()) !== undefined) return undefined;
  const loaded = await loadPolicies(dir).catch((error: unknown) => {
    throw new ConfigError([`ACGS_POLICY_DIR: cannot read ${dir} (${(error as Error).message})`]);
  });
  // The active constitution's vocabulary applies, so the directory need not hold one of its own.
  const problems = loaded.diagnostics.filter(
    (d) => !(d.code === 'VOCABULARY_INVALID' && d.location === undefined),
  );
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((d) => {
        const where = d.location ? `${d.location.file ?? dir}:${d.location.line}:${d.location.column}: ` : '';
        return `ACGS_POLICY_DIR: ${dir}: ${where}${d.code}: ${d.message}`;
      }),
    );
  }
  // The log keeps who acted for good: the directory's name, not its path (which may name a person's
  // home directory).
  const by = `file:${basename(dir)}`;
  try {
    const { bundle } = await createBundle(deps, { policies: loaded.policies.map((p) => p.policy) }, by);
    if ((await deps.store.active()) !== undefined) return undefined; // another replica was first
    return await activateBundle(deps, bundle.id, by);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const details = (error.errors ?? []).map((e) => `  ${e.pointer}: ${e.detail}`);
    throw new ConfigError([`ACGS_POLICY_DIR: ${dir}: ${error.code}: ${error.message}`, ...details]);
  }
}
