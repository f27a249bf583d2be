/**
 * At start-up: when no version is published yet and a constitution file is configured
 * (ACGS_CONSTITUTION_FILE; the example constitution by default in embedded mode), publish it
 * as the first version through the bootstrap. A file that does not validate stops start-up
 * with every error and its position.
 */

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../../../kernel/config.js';
import type { ConstitutionVersion } from '../../../kernel/contracts/constitution.js';
import type { ConstitutionDeps } from '../constitution-deps.js';
import { parseConstitutionText } from '../constitution-text.js';
import { constitutionErrors } from '../errors.js';
import { publishVersion } from './publish-version.js';

export async function bootstrapFromFile(
  deps: ConstitutionDeps,
  path: string,
): Promise<ConstitutionVersion | undefined> {
  if ((await deps.store.latestHash()) !== undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`ACGS_CONSTITUTION_FILE: cannot read ${path} (${(error as Error).message})`]);
  }
  const parsed = parseConstitutionText(text, { file: path });
  if (!parsed.ok) {
    throw new ConfigError(
      parsed.errors.map((e) => {
        const where = e.location
          ? `${e.location.file ?? path}:${e.location.line}:${e.location.column}: `
          : '';
        return `ACGS_CONSTITUTION_FILE: ${where}${e.pointer || '/'}: ${e.detail}`;
      }),
    );
  }
  try {
    return await publishVersion(deps, {
      validated: parsed,
      via: 'bootstrap',
      publishedBy: `file:${basename(path)}`,
    });
  } catch (error) {
    // Another replica bootstrapped first: fine.
    if (constitutionErrors.is(error, 'CONSTITUTION_ALREADY_BOOTSTRAPPED')) return undefined;
    if (constitutionErrors.is(error, 'CONSTITUTION_VERSION_EXISTS')) return undefined;
    throw error;
  }
}
