/**
 * `acgs log verify <file> --key <vkey|file>`: checks an export offline (docs/log-format.md §6) with
 * the streaming verifier: constant memory, the tree recomputed from the entries, every checkpoint's
 * signature and root checked. Exit 0 when it verifies, 1 when it does not, 2 for usage errors.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { PlatformError } from '../../kernel/errors.js';
import {
  type NoteVerifierKey,
  parseVerifierKey,
  StreamVerifier,
  type VerifyReport,
} from '../../merkle/index.js';
import type { CommandIo } from './policy.js';

export interface VerifyOptions {
  readonly key?: readonly string[];
  readonly origin?: string;
  readonly json?: boolean;
}

/**
 * Trusted keys from `--key` values: a vkey itself, or a file holding vkeys one per line, or the JSON
 * the log's public-key route answers (`{ "keys": [...], "allKeys": [...] }`).
 */
export function loadTrustedKeys(values: readonly string[]): NoteVerifierKey[] {
  const keys: NoteVerifierKey[] = [];
  for (const value of values) {
    if (!existsSync(value)) {
      keys.push(parseVerifierKey(value.trim()));
      continue;
    }
    const text = readFileSync(value, 'utf8').trim();
    let vkeys: string[];
    if (text.startsWith('{')) {
      const json = JSON.parse(text) as { keys?: unknown; allKeys?: unknown };
      const list = Array.isArray(json.allKeys) ? json.allKeys : json.keys;
      vkeys = Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
    } else {
      vkeys = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('#'));
    }
    if (vkeys.length === 0) throw new Error(`${value} holds no verifier key`);
    keys.push(...vkeys.map(parseVerifierKey));
  }
  return keys;
}

// Buffer#utf8Slice skips toString's argument handling; it has shipped since Node 0.x (as the merkle
// library's latin1Write has). Falls back to toString if it ever goes.
type Utf8Slice = (this: Buffer, start: number, end: number) => string;
const utf8Slice: Utf8Slice =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

/**
 * Feeds a file to the verifier line by line and reports. Lines are cut at newline bytes in 1 MiB
 * chunks (a newline byte never occurs inside a multi-byte UTF-8 character) and decoded one by one:
 * readline, or decoding whole chunks first, costs more than the hashing.
 */
export async function verifyExportFile(
  file: string,
  keys: readonly NoteVerifierKey[],
  origin?: string,
): Promise<VerifyReport> {
  const verifier = new StreamVerifier(origin === undefined ? { keys } : { keys, origin });
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  let rest: Buffer = Buffer.alloc(0);
  for await (const read of input as AsyncIterable<Buffer>) {
    const chunk = rest.length === 0 ? read : Buffer.concat([rest, read]);
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      verifier.line(utf8Slice.call(chunk, start, end));
      start = end + 1;
    }
    rest = chunk.subarray(start);
  }
  if (rest.length > 0) verifier.line(utf8Slice.call(rest, 0, rest.length));
  return verifier.finish();
}

function describeIssue(issue: VerifyReport['issues'][number]): string {
  const where = issue.line === undefined ? '' : `line ${issue.line}: `;
  const { kind, line: _line, ...rest } = issue;
  return `${where}${kind} ${JSON.stringify(rest)}`;
}

/** Runs the command; returns the exit code. */
export async function runLogVerify(file: string, options: VerifyOptions, io: CommandIo): Promise<number> {
  if (!existsSync(file)) {
    io.err(`acgs log verify: no file ${file}`);
    return 2;
  }
  if (!options.key || options.key.length === 0) {
    io.err(
      'acgs log verify: --key <vkey|file> is required (the log’s public key, from GET /api/v1/log/public-key)',
    );
    return 2;
  }
  let keys: NoteVerifierKey[];
  try {
    keys = loadTrustedKeys(options.key);
  } catch (error) {
    io.err(
      `acgs log verify: bad --key: ${error instanceof PlatformError || error instanceof Error ? error.message : String(error)}`,
    );
    return 2;
  }
  const started = performance.now();
  const report = await verifyExportFile(file, keys, options.origin);
  const seconds = (performance.now() - started) / 1000;
  if (options.json) {
    io.out(JSON.stringify({ ...report, seconds }, null, 2));
    return report.ok ? 0 : 1;
  }
  const rate = Math.round(report.entries / Math.max(seconds, 1e-9));
  if (report.ok) {
    io.out(
      `ok: ${report.entries} entries, ${report.checkpoints} checkpoints, origin ${report.origin}, root ${report.verifiedRoot} (${seconds.toFixed(2)} s, ${rate} entries/s)`,
    );
    return 0;
  }
  const bad = report.firstBadIndex;
  const rootIssue = report.issues.find((i) => i.kind === 'root-mismatch');
  if (bad !== undefined) {
    const upTo = rootIssue && 'size' in rootIssue ? rootIssue.size : undefined;
    const exact = upTo === undefined || upTo === bad + 1;
    io.out(
      exact
        ? `FAILED: first bad entry index ${bad}`
        : `FAILED: first bad entry index ${bad} (the change lies in entries ${bad}–${upTo! - 1}: the checkpoint of size ${upTo} does not match, the one of size ${bad} did)`,
    );
  } else {
    io.out('FAILED: the export does not verify');
  }
  io.out(
    `  ${report.entries} entries, ${report.checkpoints} checkpoints, verified up to size ${report.verifiedSize}`,
  );
  for (const issue of report.issues.slice(0, 20)) io.out(`  ${describeIssue(issue)}`);
  if (report.issues.length > 20 || report.issuesDropped > 0)
    io.out(`  … ${report.issues.length - 20 + report.issuesDropped} more issues`);
  return 1;
}
