import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import type { ScenarioSuite } from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { constitutionErrors } from '../errors.js';
import { getVersion } from './get-version.js';

export interface SuiteSummary {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** SHA-256 over the suite's canonical JSON: the suite is pinned by this hash in the version. */
  readonly hash: string;
  readonly scenarios: number;
}

/** The scenario suites of a version (the active one by default), each with its pinning hash. */
export async function listScenarioSuites(deps: ConstitutionDeps, versionRef = 'active') {
  const version = await getVersion(deps, versionRef);
  const suites: SuiteSummary[] = version.document.scenarioSuites.map((s) => ({
    id: s.id,
    title: s.title,
    description: s.description,
    hash: constitutionalHashOf(s).hash,
    scenarios: s.scenarios.length,
  }));
  return { version: version.number, hash: version.hash, suites };
}

export async function getScenarioSuite(
  deps: ConstitutionDeps,
  id: string,
  versionRef = 'active',
): Promise<{
  readonly version: number;
  readonly hash: string;
  readonly suite: ScenarioSuite & { readonly hash: string };
}> {
  const version = await getVersion(deps, versionRef);
  const suite = version.document.scenarioSuites.find((s) => s.id === id);
  if (suite === undefined) {
    throw constitutionErrors.create(
      'CONSTITUTION_SUITE_NOT_FOUND',
      `version ${version.number} has no scenario suite ${id}`,
    );
  }
  return {
    version: version.number,
    hash: version.hash,
    suite: { ...suite, hash: constitutionalHashOf(suite).hash },
  };
}
