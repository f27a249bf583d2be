/**
 * `acgs constitution validate|hash|diff|export|publish|schema`: work with constitution files (YAML or
 * JSON) offline, and publish one to a running platform. Exit codes: 0 ok, 1 the constitution has
 * problems or the platform refused, 2 usage errors (missing file, bad option, no token).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import type { FieldError } from '../../kernel/errors.js';
import { diffConstitutions } from '../../services/constitutional-ai/constitution-diff.js';
import { constitutionJsonSchema } from '../../services/constitutional-ai/constitution-schema.js';
import {
  constitutionToYaml,
  type ParsedConstitution,
  parseConstitutionText,
} from '../../services/constitutional-ai/constitution-text.js';
import { callPlatform } from './platform-http.js';
import type { CommandIo } from './policy.js';

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

function formatError(e: FieldError, file: string): string {
  const where = e.location
    ? `${e.location.file ?? file}:${e.location.line}:${e.location.column}: `
    : `${file}: `;
  return `${where}${e.pointer || '/'}: ${e.detail}`;
}

async function load(file: string, io: CommandIo): Promise<ParsedConstitution | number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.err(`acgs constitution: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const parsed = parseConstitutionText(text, { file });
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(formatError(e, file));
    io.err(`${file}: ${parsed.errors.length} ${parsed.errors.length === 1 ? 'error' : 'errors'}`);
    return 1;
  }
  return parsed;
}

/** Validates a constitution file: every error with its field and position. */
export async function runConstitutionValidate(file: string, io: CommandIo = processIo): Promise<number> {
  const parsed = await load(file, io);
  if (typeof parsed === 'number' || !parsed.ok) return typeof parsed === 'number' ? parsed : 1;
  const doc = parsed.document;
  const scenarios = doc.scenarioSuites.reduce((n, s) => n + s.scenarios.length, 0);
  io.out(
    `ok  ${file}: ${doc.principles.length} principles, ${parsed.invariants.invariants.length} invariants, ${parsed.vocabulary.attributes.size} attributes, ${doc.scenarioSuites.length} scenario suites (${scenarios} scenarios)`,
  );
  io.out(`hash ${constitutionalHashOf(doc).hash}`);
  return 0;
}

/** Prints the constitutional hash of a file (the full hash, or the short form with --short). */
export async function runConstitutionHash(
  file: string,
  options: { readonly short?: boolean } = {},
  io: CommandIo = processIo,
): Promise<number> {
  const parsed = await load(file, io);
  if (typeof parsed === 'number' || !parsed.ok) return typeof parsed === 'number' ? parsed : 1;
  const { hash, short } = constitutionalHashOf(parsed.document);
  io.out(options.short === true ? short : hash);
  return 0;
}

/** Principle-level diff of two constitution files. Exit 0 whether or not they differ. */
export async function runConstitutionDiff(
  from: string,
  to: string,
  options: { readonly json?: boolean } = {},
  io: CommandIo = processIo,
): Promise<number> {
  const a = await load(from, io);
  if (typeof a === 'number' || !a.ok) return typeof a === 'number' ? a : 1;
  const b = await load(to, io);
  if (typeof b === 'number' || !b.ok) return typeof b === 'number' ? b : 1;
  const diff = diffConstitutions(a.document, b.document);
  if (options.json === true) {
    io.out(JSON.stringify(diff, null, 2));
    return 0;
  }
  if (diff.identical) {
    io.out('identical');
    return 0;
  }
  for (const p of diff.principles.added) io.out(`+ principle ${p.id}: ${p.title}`);
  for (const p of diff.principles.removed) io.out(`- principle ${p.id}: ${p.title}`);
  for (const c of diff.principles.changed) {
    for (const f of c.changes) {
      if (f.field !== 'invariants' || c.invariants === undefined) {
        io.out(`~ principle ${c.id}.${f.field}: ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`);
        continue;
      }
      for (const id of c.invariants.added) io.out(`+ invariant ${id} (principle ${c.id})`);
      for (const id of c.invariants.removed) io.out(`- invariant ${id} (principle ${c.id})`);
      for (const id of c.invariants.changed) io.out(`~ invariant ${id} (principle ${c.id})`);
    }
  }
  for (const v of diff.vocabulary.added) io.out(`+ attribute ${v}`);
  for (const v of diff.vocabulary.removed) io.out(`- attribute ${v}`);
  for (const v of diff.vocabulary.changed)
    io.out(`~ attribute ${v.attribute}: ${JSON.stringify(v.before)} → ${JSON.stringify(v.after)}`);
  for (const s of diff.settings)
    io.out(`~ ${s.field}: ${JSON.stringify(s.before)} → ${JSON.stringify(s.after)}`);
  for (const s of diff.scenarioSuites.added) io.out(`+ scenario suite ${s}`);
  for (const s of diff.scenarioSuites.removed) io.out(`- scenario suite ${s}`);
  for (const s of diff.scenarioSuites.changed)
    io.out(`~ scenario suite ${s.id}: ${s.beforeHash.slice(0, 16)} → ${s.afterHash.slice(0, 16)}`);
  return 0;
}

/** Prints the normalized document (defaults filled in) as YAML, or JSON with --json: what import reads back to the same hash. */
export async function runConstitutionExport(
  file: string,
  options: { readonly json?: boolean } = {},
  io: CommandIo = processIo,
): Promise<number> {
  const parsed = await load(file, io);
  if (typeof parsed === 'number' || !parsed.ok) return typeof parsed === 'number' ? parsed : 1;
  const { hash } = constitutionalHashOf(parsed.document);
  io.out(
    options.json === true
      ? JSON.stringify(parsed.document, null, 2)
      : constitutionToYaml(
          parsed.document,
          `ACGS constitution exported from ${file}\nhash: ${hash}`,
        ).trimEnd(),
  );
  return 0;
}

export interface PublishOptions {
  readonly url?: string;
  readonly token?: string;
  /** Create a draft (for the council to enact) instead of bootstrapping the first version. */
  readonly draft?: boolean;
}

/**
 * Publishes a constitution file to a running platform: the admin bootstrap of the first version,
 * or with --draft a draft that the council enacts. Validates locally first.
 */
export async function runConstitutionPublish(
  file: string,
  options: PublishOptions = {},
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = await load(file, io);
  if (typeof parsed === 'number' || !parsed.ok) return typeof parsed === 'number' ? parsed : 1;
  const path = options.draft === true ? '/api/v1/constitution/drafts' : '/api/v1/constitution/bootstrap';
  const answer = await callPlatform(
    'acgs constitution publish',
    {
      ...(options.url === undefined ? {} : { url: options.url }),
      ...(options.token === undefined ? {} : { token: options.token }),
    },
    {
      method: 'POST',
      path,
      tokenOf: 'an admin',
      body: { yaml: await readFile(file, 'utf8') },
      describeError: (e) => `  ${formatError(e, file)}`,
    },
    io,
    env,
  );
  if (!answer.ok) return answer.exitCode;
  const body = answer.body;
  if (options.draft === true)
    io.out(`draft ${String(body.id)} revision ${String(body.revision)} hash ${String(body.hash)}`);
  else io.out(`published version ${String(body.number)} hash ${String(body.hash)}`);
  return 0;
}

/** Adds `constitution validate|hash|diff|export|publish|schema` to the `acgs` program. */
export function registerConstitutionCommands(program: Command): void {
  const constitution = program
    .command('constitution')
    .description('validate, hash, diff and publish constitutions');
  constitution
    .command('validate <file>')
    .description('validate a constitution (YAML or JSON): structure, vocabulary, invariants, scenarios')
    .action(async (file: string) => {
      process.exitCode = await runConstitutionValidate(file);
    });
  constitution
    .command('hash <file>')
    .description('print the constitutional hash (SHA-256 over RFC 8785 canonical JSON) of a constitution')
    .option('--short', 'print the 16-digit short form')
    .action(async (file: string, opts: { short?: boolean }) => {
      process.exitCode = await runConstitutionHash(file, opts);
    });
  constitution
    .command('diff <from> <to>')
    .description('principle-level diff of two constitution files')
    .option('--json', 'print the diff as JSON')
    .action(async (from: string, to: string, opts: { json?: boolean }) => {
      process.exitCode = await runConstitutionDiff(from, to, opts);
    });
  constitution
    .command('export <file>')
    .description('print the normalized constitution as YAML (or --json); importing it gives the same hash')
    .option('--json', 'print JSON instead of YAML')
    .action(async (file: string, opts: { json?: boolean }) => {
      process.exitCode = await runConstitutionExport(file, opts);
    });
  constitution
    .command('publish <file>')
    .description(
      'publish the first version (admin bootstrap), or with --draft create a draft for the council',
    )
    .option('--url <url>', 'platform base URL (default ACGS_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token of an admin (default ACGS_TOKEN)')
    .option('--draft', 'create a draft instead of bootstrapping')
    .action(async (file: string, opts: PublishOptions) => {
      process.exitCode = await runConstitutionPublish(file, opts);
    });
  constitution
    .command('schema')
    .description('print the JSON Schema of constitution documents')
    .action(() => {
      processIo.out(JSON.stringify(constitutionJsonSchema(), null, 2));
    });
}
