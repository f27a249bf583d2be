/**
 * The error catalogues, guarded the way Fastify guards its errors: every code follows
 * `<AREA>_<REASON>` with its catalogue's area, is unique, appears in an error table of the docs
 * with its status, and every 503 or 429 code names the Retry-After its errors carry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ErrorCatalogue, ErrorSpec } from '../src/kernel/errors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * The area(s) each catalogue's codes belong to, by file. The kernel's common codes are those of
 * the HTTP layer every area may raise; they follow the `<AREA>_<REASON>` form without one area.
 */
const AREAS: Readonly<Record<string, readonly string[] | 'any'>> = {
  'kernel/errors.ts': 'any',
  'kit/auth-errors.ts': ['AUTH'],
  'policy/errors.ts': ['POLICY', 'VOCABULARY'],
  'merkle/errors.ts': ['LOG'],
  'storage/errors.ts': ['STORAGE'],
  'bus/errors.ts': ['BUS'],
  'cache/errors.ts': ['CACHE'],
  'ops/errors.ts': ['BACKUP', 'DR'],
  'services/auth/errors.ts': ['AUTH'],
  'services/constitutional-ai/errors.ts': ['CONSTITUTION'],
  'services/integrity/errors.ts': ['LOG'],
  'services/policy-governance/errors.ts': ['PGC'],
  'services/formal-verification/errors.ts': ['VERIFICATION'],
  'services/executive-council/errors.ts': ['COUNCIL', 'REVIEW'],
  'services/governance-synthesis/errors.ts': ['SYNTHESIS'],
  'services/darwin-godel-machine/errors.ts': ['EVOLUTION'],
};

const CODE = /^([A-Z][A-Z0-9]*)(?:_[A-Z0-9]+)+$/;

interface Catalogued {
  readonly code: string;
  readonly spec: ErrorSpec;
  readonly file: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every module that calls defineErrors, and the catalogues it exports. */
async function catalogues(): Promise<{ files: string[]; codes: Catalogued[] }> {
  const files = sourceFiles(join(root, 'src'))
    .filter((file) => /\bdefineErrors\(/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(join(root, 'src'), file));
  const codes: Catalogued[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(compiled, file.replace(/\.ts$/, '.js'))).href)) as Record<
      string,
      unknown
    >;
    for (const value of Object.values(module)) {
      const catalogue = value as Partial<ErrorCatalogue<string>>;
      if (typeof catalogue?.create !== 'function' || catalogue.specs === undefined) continue;
      for (const [code, spec] of Object.entries(catalogue.specs)) codes.push({ code, spec, file });
    }
  }
  return { files, codes };
}

/** `| \`CODE\` | status | …` rows of every table in docs/ and the README. */
function documentedCodes(): Map<string, { status: number; where: string }[]> {
  const documents = [
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join('docs', name)),
    'README.md',
  ];
  const rows = new Map<string, { status: number; where: string }[]>();
  for (const document of documents) {
    const text = readFileSync(join(root, document), 'utf8');
    for (const match of text.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
      const list = rows.get(match[1]!) ?? [];
      list.push({ status: Number(match[2]), where: document });
      rows.set(match[1]!, list);
    }
  }
  return rows;
}

describe('error catalogues', async () => {
  const { files, codes } = await catalogues();

  it('are found, each with a declared area', () => {
    assert.ok(codes.length > 80, `only ${codes.length} codes found`);
    for (const file of files) assert.ok(AREAS[file] !== undefined, `${file}: declare its area(s) in AREAS`);
  });

  it('name every code <AREA>_<REASON>, in its catalogue’s area', () => {
    const wrong = codes
      .filter(({ code, file }) => {
        const match = CODE.exec(code);
        const areas = AREAS[file];
        return match === null || (areas !== 'any' && areas !== undefined && !areas.includes(match[1]!));
      })
      .map(({ code, file }) => `${file}: ${code}`);
    assert.deepEqual(wrong, []);
  });

  it('define each code once', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const { code, file } of codes) {
      if (seen.has(code)) twice.push(`${code} in ${seen.get(code)} and ${file}`);
      seen.set(code, file);
    }
    assert.deepEqual(twice, []);
  });

  it('give every 503 and 429 code the Retry-After its errors carry', async () => {
    const missing = codes
      .filter(
        ({ spec }) => (spec.status === 503 || spec.status === 429) && !(Number(spec.retryAfterSeconds) > 0),
      )
      .map(({ code }) => code);
    assert.deepEqual(missing, []);
    const { defineErrors } = await import('../src/kernel/errors.js');
    const demo = defineErrors({ DEMO_BUSY: { status: 503, title: 'Busy', retryAfterSeconds: 3 } });
    assert.deepEqual(demo.create('DEMO_BUSY', 'busy').headers, { 'retry-after': '3' });
    assert.deepEqual(demo.create('DEMO_BUSY', 'busy', { headers: { 'retry-after': '7' } }).headers, {
      'retry-after': '7',
    });
  });

  it('document every code in an error table of the docs, with its status', () => {
    const documented = documentedCodes();
    const problems = codes.flatMap(({ code, spec }) => {
      const rows = documented.get(code);
      if (rows === undefined) return [`${code} (${spec.status}) is in no docs error table`];
      return rows
        .filter((row) => row.status !== spec.status)
        .map((row) => `${code}: ${row.where} says ${row.status}, the catalogue ${spec.status}`);
    });
    assert.deepEqual(problems, []);
  });
});
