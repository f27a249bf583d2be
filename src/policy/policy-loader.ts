/**
 * Reads a policy directory from disk (the only I/O in the policy library; used by the CLI).
 * The directory holds `vocabulary.yaml` (or `.yml`/`.json`) and any number of policy documents
 * (`*.yaml`, `*.yml`, `*.json`, searched recursively; dot-files skipped).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  type PolicyDiagnostic,
  parsePolicyDocument,
  parseVocabularyDocument,
  type SourcedPolicy,
} from './policy-document-parser.js';
import type { Vocabulary } from './vocabulary-parser.js';

export interface LoadedPolicyDirectory {
  readonly vocabulary?: Vocabulary;
  readonly policies: readonly SourcedPolicy[];
  /** Parse and structure problems (conditions are checked later by `checkPolicies`). */
  readonly diagnostics: readonly PolicyDiagnostic[];
  readonly files: readonly string[];
}

const VOCABULARY_FILE = /^vocabulary\.(ya?ml|json)$/;
const DOCUMENT_FILE = /\.(ya?ml|json)$/;

/** Loads the vocabulary and every policy document under `dir`. */
export async function loadPolicies(dir: string): Promise<LoadedPolicyDirectory> {
  const files = (await listFiles(dir)).sort();
  const diagnostics: PolicyDiagnostic[] = [];
  const policies: SourcedPolicy[] = [];
  let vocabulary: Vocabulary | undefined;
  let vocabularyFiles = 0;
  for (const path of files) {
    const name = relative(dir, path);
    const text = await readFile(path, 'utf8');
    if (VOCABULARY_FILE.test(name)) {
      if (++vocabularyFiles > 1) {
        diagnostics.push({
          code: 'VOCABULARY_INVALID',
          message: `more than one vocabulary file; '${name}' is ignored`,
          pointer: '',
          location: { file: name, line: 1, column: 1 },
        });
        continue;
      }
      const result = parseVocabularyDocument(text, { file: name });
      diagnostics.push(...result.diagnostics);
      vocabulary ??= result.vocabulary;
    } else {
      const result = parsePolicyDocument(text, { file: name });
      diagnostics.push(...result.diagnostics);
      policies.push(...result.policies);
    }
  }
  if (vocabularyFiles === 0) {
    diagnostics.push({
      code: 'VOCABULARY_INVALID',
      message: `no vocabulary.yaml, vocabulary.yml or vocabulary.json in ${dir}`,
      pointer: '',
    });
  }
  return {
    ...(vocabulary === undefined ? {} : { vocabulary }),
    policies,
    diagnostics,
    files: files.map((f) => relative(dir, f)),
  };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() && DOCUMENT_FILE.test(entry.name)) out.push(path);
  }
  return out;
}
