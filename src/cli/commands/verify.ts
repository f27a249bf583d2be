/**
 * `acgs verify <policy-dir> [--constitution <file>] [--against <old-policy-dir>] [--json]`:
 * the formal verifier, offline (Z3 in this process, no server). Exit codes: 0 no invariant
 * violated, 1 an invariant is violated or the input does not check, 2 usage errors.
 */

import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import { PlatformError } from '../../kernel/errors.js';
import { type Effect, loadPolicies, type Vocabulary } from '../../policy/index.js';
import { parseConstitutionText } from '../../services/constitutional-ai/constitution-text.js';
import { z3Solver } from '../../services/formal-verification/smt/z3-solver.js';
import type { InvariantInput } from '../../services/formal-verification/verification-model.js';
import type { VerificationReport, Witness } from '../../services/formal-verification/verification-report.js';
import { WorkerVerifier } from '../../services/formal-verification/worker/worker-verifier.js';
import type { CommandIo } from './policy.js';

export interface VerifyOptions {
  readonly constitution?: string;
  readonly against?: string;
  readonly json?: boolean;
  /** Time limit of one solver query, ms. */
  readonly queryTimeout?: string;
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

interface Loaded {
  readonly vocabulary: Vocabulary;
  readonly policies: readonly unknown[];
}

async function loadDir(dir: string, io: CommandIo): Promise<Loaded | number> {
  if (!(await isDirectory(dir))) {
    io.err(`acgs verify: ${dir} is not a directory`);
    return 2;
  }
  const loaded = await loadPolicies(dir);
  if (loaded.diagnostics.length > 0 || loaded.vocabulary === undefined) {
    for (const d of loaded.diagnostics) {
      const where =
        d.location === undefined ? '' : `${d.location.file ?? dir}:${d.location.line}:${d.location.column}: `;
      io.err(`${where}${d.code}: ${d.message}`);
    }
    return 1;
  }
  return { vocabulary: loaded.vocabulary, policies: loaded.policies };
}

/**
 * Runs the verifier over a policy directory and prints the report. The solver work runs on its own
 * thread(s) (ACGS_VERIFY_THREADS, default two where there are two cores; each with its own Z3, started before the files are
 * read, and a share of the questions); this thread reads the files and prints.
 */
export async function runVerify(
  dir: string,
  opts: VerifyOptions,
  io: CommandIo = processIo,
): Promise<number> {
  // Two threads where there are two cores (ACGS_VERIFY_THREADS overrides): on an idle 2-core
  // machine the example report took 3.9 s on two against 5.0–5.4 s on one; only when other work
  // already keeps both cores busy is one thread the faster (8.3–9.4 s against 9.0–9.8 s).
  const threads = Number(process.env.ACGS_VERIFY_THREADS ?? Math.min(2, availableParallelism()));
  const verifier = new WorkerVerifier(
    z3Solver.name,
    Number.isInteger(threads) && threads >= 1 && threads <= 8 ? threads : 1,
  );
  verifier.start();
  try {
    return await verifyWith(verifier, dir, opts, io);
  } finally {
    await verifier.close();
  }
}

async function verifyWith(
  verifier: WorkerVerifier,
  dir: string,
  opts: VerifyOptions,
  io: CommandIo,
): Promise<number> {
  const current = await loadDir(dir, io);
  if (typeof current === 'number') return current;
  let vocabulary = current.vocabulary;
  let invariants: InvariantInput[] = [];
  let defaultDecision: Effect = 'deny';
  let constitutionHash: string | undefined;
  if (opts.constitution !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.constitution, 'utf8');
    } catch (error) {
      io.err(`acgs verify: cannot read ${opts.constitution}: ${(error as Error).message}`);
      return 2;
    }
    const parsed = parseConstitutionText(text, { file: opts.constitution });
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(`${opts.constitution}: ${e.pointer || '/'}: ${e.detail}`);
      return 1;
    }
    vocabulary = parsed.vocabulary;
    defaultDecision = parsed.document.defaultDecision;
    constitutionHash = constitutionalHashOf(parsed.document).hash;
    invariants = parsed.document.principles.flatMap((p) =>
      p.invariants.map((i) => ({ ...i, principleId: p.id })),
    );
  }
  let against: readonly unknown[] | undefined;
  if (opts.against !== undefined) {
    const previous = await loadDir(opts.against, io);
    if (typeof previous === 'number') return previous;
    against = previous.policies;
  }
  const queryTimeoutMs = opts.queryTimeout === undefined ? undefined : Number(opts.queryTimeout);
  if (queryTimeoutMs !== undefined && !(Number.isSafeInteger(queryTimeoutMs) && queryTimeoutMs > 0)) {
    io.err('acgs verify: --query-timeout must be a positive integer (milliseconds)');
    return 2;
  }
  let report: VerificationReport;
  try {
    report = await verifier.verify(
      {
        vocabulary,
        policies: current.policies,
        defaultDecision,
        invariants,
        ...(against ? { against } : {}),
      },
      {
        ...(constitutionHash === undefined ? {} : { constitutionHash }),
        ...(queryTimeoutMs === undefined ? {} : { queryTimeoutMs }),
      },
    );
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    io.err(`acgs verify: ${error.code}: ${error.message}`);
    for (const e of error.errors ?? []) {
      const where =
        e.location === undefined ? '' : `${e.location.file ?? ''}:${e.location.line}:${e.location.column}: `;
      io.err(`  ${where}${e.pointer}: ${e.detail}`);
    }
    return 1;
  }
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else printReport(report, io);
  return report.summary.violated > 0 ? 1 : 0;
}

function witnessLine(w: Witness): string {
  const errors =
    w.errors.length === 0 ? '' : `; errors: ${w.errors.map((e) => `${e.policyId}: ${e.message}`).join(', ')}`;
  return `${JSON.stringify(w.request)} → ${w.decision} (matched: ${w.matched.join(', ') || 'none'}${errors})`;
}

function printReport(r: VerificationReport, io: CommandIo): void {
  const pct = Math.round(r.coverage.ratio * 1000) / 10;
  io.out(
    `policy set ${r.policySetHash.slice(0, 16)}${r.constitutionHash ? `  constitution ${r.constitutionHash.slice(0, 16)}` : ''}  (${r.coverage.policies} policies, ${r.invariants.length} invariants, ${pct} % of conditions verifiable; ${r.solver})`,
  );
  for (const p of r.policies) if (!p.verifiable) io.out(`unverifiable  ${p.id}: ${p.reasons.join('; ')}`);
  for (const i of r.invariants) {
    if (i.status === 'proved') io.out(`proved    ${i.id}`);
    else if (i.status === 'violated') {
      io.out(`VIOLATED  ${i.id}: ${i.reason ?? ''} (forbids ${i.forbid.join(', ')})`);
      io.out(`  counterexample: ${witnessLine(i.counterexample!)}`);
    } else io.out(`unknown   ${i.id}: ${i.reason ?? ''}`);
  }
  if (r.conflicts.length > 0) io.out(`conflicts (${r.conflicts.length}):`);
  for (const c of r.conflicts) {
    io.out(`  ${c.policies[0]} (${c.effects[0]}) × ${c.policies[1]} (${c.effects[1]}): ${c.winner} wins`);
    io.out(`    e.g. ${witnessLine(c.witness)}`);
  }
  for (const f of r.findings) io.out(`${f.status.padEnd(9)} ${f.policyId}: ${f.reason}`);
  if (r.impact !== undefined) {
    io.out(`impact: ${r.impact.classification}`);
    for (const c of r.impact.changes)
      io.out(`  ${c.from} → ${c.to} (${c.kind}), e.g. ${JSON.stringify(c.example)}`);
    for (const u of r.impact.unknown) io.out(`  ${u.from} → ${u.to}: unknown (${u.reason})`);
  }
  for (const n of r.notes) io.out(`note: ${n}`);
  const s = r.summary;
  io.out(
    `${s.proved} proved, ${s.violated} violated, ${s.unknown} unknown; ${s.conflicts} conflicts, ${s.dead} dead, ${s.shadowed} shadowed (${r.durationMs} ms)`,
  );
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify <policy-dir>')
    .description("prove a policy set against the constitution's invariants with an SMT solver (offline)")
    .option(
      '--constitution <file>',
      'constitution YAML/JSON whose invariants, vocabulary and default decision apply',
    )
    .option('--against <old-policy-dir>', 'previous policy set: report the impact of the change')
    .option('--query-timeout <ms>', 'time limit of one solver query (default 5000)')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: VerifyOptions) => {
      process.exitCode = await runVerify(dir, opts, processIo);
      // Z3's worker threads keep the process alive; the report is written.
      setImmediate(() => process.exit());
    });
}
