/** The active constitution's vocabulary, read from the platform with an integration's credentials. */
import type { AcgsClient } from '../../packages/acgs-client/src/index.js';
import { parseVocabulary, type Vocabulary } from '../policy/vocabulary-parser.js';

export async function fetchVocabulary(client: AcgsClient): Promise<Vocabulary> {
  const active = await client.call<{ document: { vocabulary?: unknown } }>(
    'GET',
    '/api/v1/constitution/active',
  );
  return parseVocabulary(active.document.vocabulary);
}
