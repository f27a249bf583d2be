/**
 * `acgs council keygen|member add|propose|vote|status|audit` and `acgs review list|claim|resolve`
 * (docs/council.md §10). Votes are signed here, with the member's private key from a local file;
 * the key never leaves the machine. `audit` needs only a log export.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type AuditedEntry, auditCouncil } from '../../services/executive-council/council-audit.js';
import {
  generateMemberKey,
  signVote,
  VOTE_CHOICES,
  type VoteChoice,
} from '../../services/executive-council/vote-payload.js';
import { runLogVerify } from './log-verify.js';
import { callPlatform, type PlatformTarget, runPlatformJson } from './platform-http.js';
import type { CommandIo } from './policy.js';

const stdio: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
const TARGET = {
  url: 'the platform (default ACGS_URL, or http://127.0.0.1:8080)',
  token: 'bearer token (default ACGS_TOKEN)',
};

/** `council keygen --out <file>`: a new Ed25519 key; the file (mode 0600) holds the private key. */
export function runKeygen(out: string, memberId: string | undefined, io: CommandIo = stdio): number {
  const key = generateMemberKey();
  try {
    writeFileSync(
      out,
      `${JSON.stringify({ memberId: memberId ?? null, publicKey: key.publicKey, privateKeyPem: key.privateKeyPem }, null, 2)}\n`,
      { mode: 0o600, flag: 'wx' },
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(
      `acgs council keygen: cannot write ${out}: ${code === 'EEXIST' ? 'the file exists (a key is never overwritten)' : (error as Error).message}`,
    );
    return 2;
  }
  io.out(key.publicKey);
  return 0;
}

/** `council vote <proposal> <choice> --key <file> [--member id]`: reads the proposal, signs locally, submits. */
export async function runVote(
  proposalId: string,
  choice: string,
  options: PlatformTarget & { key: string; member?: string },
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  if (!(VOTE_CHOICES as readonly string[]).includes(choice)) {
    io.err(`acgs council vote: choice must be yes, no or abstain, not ${choice}`);
    return 1;
  }
  const keyFile = JSON.parse(readFileSync(options.key, 'utf8')) as {
    memberId?: string | null;
    privateKeyPem: string;
  };
  const memberId = options.member ?? keyFile.memberId ?? undefined;
  if (memberId === undefined) {
    io.err('acgs council vote: give --member (the key file names none)');
    return 1;
  }
  const proposal = await callPlatform(
    'acgs council vote',
    options,
    { method: 'GET', path: `/api/v1/council/proposals/${proposalId}`, tokenOf: 'a council member' },
    io,
    env,
  );
  if (!proposal.ok) return proposal.exitCode;
  const fields = {
    proposalId,
    contentHash: String(proposal.body.contentHash),
    choice: choice as VoteChoice,
    memberId,
    time: new Date().toISOString(),
  };
  const signature = signVote(fields, keyFile.privateKeyPem);
  return runPlatformJson(
    'acgs council vote',
    options,
    {
      method: 'POST',
      path: `/api/v1/council/proposals/${proposalId}/votes`,
      body: { memberId, choice, contentHash: fields.contentHash, time: fields.time, signature },
      tokenOf: 'a council member',
    },
    io,
    env,
  );
}

/** `council member add <id> --public-key <b64> --weight <n>`: the admin bootstrap (only until the first proposal). */
export function runMemberAdd(
  memberId: string,
  o: PlatformTarget & { publicKey: string; weight: string; name?: string },
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  return runPlatformJson(
    'acgs council member add',
    o,
    {
      method: 'POST',
      path: '/api/v1/council/members',
      body: { memberId, displayName: o.name ?? memberId, publicKey: o.publicKey, weight: Number(o.weight) },
      tokenOf: 'an admin',
    },
    io,
    env,
  );
}

/** What `council propose` sends as the content: from a JSON file, a bundle, a policy or a constitution file. */
export interface ProposeOptions extends PlatformTarget {
  readonly title: string;
  readonly content?: string;
  readonly bundle?: string;
  readonly policy?: string;
  readonly constitution?: string;
}

/** `council propose <kind> --title <t> (--content|--bundle|--policy|--constitution)`: opens a proposal. */
export function runPropose(
  kind: string,
  o: ProposeOptions,
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  const content =
    o.content !== undefined
      ? JSON.parse(readFileSync(o.content, 'utf8'))
      : o.bundle !== undefined
        ? { bundleId: o.bundle }
        : o.policy !== undefined
          ? { policyId: o.policy }
          : o.constitution !== undefined
            ? { document: JSON.parse(readFileSync(o.constitution, 'utf8')) }
            : {};
  return runPlatformJson(
    'acgs council propose',
    o,
    {
      method: 'POST',
      path: '/api/v1/council/proposals',
      body: { kind, title: o.title, content },
      tokenOf: 'a council member',
    },
    io,
    env,
  );
}

/** `council status [proposal]`: one proposal with its votes and tally, or the list. */
export function runStatus(
  proposalId: string | undefined,
  o: PlatformTarget,
  io: CommandIo = stdio,
  env = process.env,
): Promise<number> {
  return runPlatformJson(
    'acgs council status',
    o,
    {
      method: 'GET',
      path:
        proposalId === undefined
          ? '/api/v1/council/proposals'
          : `/api/v1/council/proposals/${encodeURIComponent(proposalId)}`,
      tokenOf: 'a council member or auditor',
    },
    io,
    env,
  );
}

/**
 * `council audit <export> [--key …]`: exit 0 when every signature verifies and every tally agrees,
 * 1 otherwise. With the log's key the export is verified first (`acgs log verify`): the audit reads
 * the council's entries, the signed tree covers every line (a vote moved into another's place).
 */
export async function runAudit(
  file: string,
  out: CommandIo = stdio,
  logKeys?: readonly string[],
): Promise<number> {
  const logCode = logKeys === undefined ? 0 : await runLogVerify(file, { key: logKeys }, out);
  // A key that cannot be read or a missing file (2) stops here; a log that does not verify (1) is still audited.
  if (logCode === 2) return 2;
  const entries: AuditedEntry[] = [];
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { kind?: string; index?: number; entry?: string };
    if (parsed.kind !== 'entry' || typeof parsed.entry !== 'string') continue;
    const entry = JSON.parse(parsed.entry) as {
      type?: string;
      source?: string;
      writer?: string;
      payload?: unknown;
    };
    if (typeof entry.type === 'string' && entry.type.startsWith('council.'))
      entries.push({
        index: parsed.index ?? -1,
        type: entry.type,
        source: String(entry.source),
        ...(typeof entry.writer === 'string' ? { writer: entry.writer } : {}),
        payload: entry.payload,
      });
  }
  const report = auditCouncil(entries);
  for (const p of report.proposals)
    out.out(
      `${p.proposalId} ${p.kind}: ${p.validVotes}/${p.votes} votes verify; decided ${p.decided ?? '(open)'}, recomputed ${p.recomputed ?? '(open)'}${p.agrees ? '' : ' — DISAGREES'}`,
    );
  for (const problem of report.problems)
    out.err(`entry ${problem.index}: proposal ${problem.proposalId}: ${problem.detail}`);
  out.out(`${report.proposals.length} proposal(s), ${report.problems.length} problem(s)`);
  return report.problems.length === 0 && logCode === 0 ? 0 : 1;
}

export function registerCouncilCommands(program: Command): void {
  const council = program
    .command('council')
    .description('the executive council: keys, members, proposals, signed votes, audit');
  council
    .command('keygen')
    .description(
      'a new Ed25519 member key: the private key stays in --out (mode 0600); prints the public key',
    )
    .requiredOption('--out <file>', 'where to write the key (must not exist)')
    .option('--member <id>', 'the member id the key belongs to')
    .action((options: { out: string; member?: string }) => {
      process.exitCode = runKeygen(options.out, options.member);
    });
  const member = council.command('member').description('members');
  member
    .command('add <memberId>')
    .description('admin bootstrap: seat a member (only until the first proposal)')
    .requiredOption('--public-key <base64>', 'the member’s public key (from keygen)')
    .requiredOption('--weight <n>', 'voting weight (1–1000000)')
    .option('--name <display name>', 'display name (default: the id)')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(
      async (memberId: string, o: PlatformTarget & { publicKey: string; weight: string; name?: string }) => {
        process.exitCode = await runMemberAdd(memberId, o);
      },
    );
  council
    .command('propose <kind>')
    .description(
      'open a proposal; content from --content <json file>, --bundle <id>, --policy <id> or --constitution <file.json>',
    )
    .requiredOption('--title <text>', 'what it is about')
    .option('--content <file>', 'the content as a JSON file')
    .option('--bundle <id>', 'the bundle to activate')
    .option('--policy <id>', 'the policy to retire')
    .option('--constitution <file>', 'the amended constitution (JSON)')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (kind: string, o: ProposeOptions) => {
      process.exitCode = await runPropose(kind, o);
    });
  council
    .command('vote <proposalId> <choice>')
    .description('sign a vote (yes, no, abstain) locally with --key and submit it')
    .requiredOption('--key <file>', 'the key file from keygen')
    .option('--member <id>', 'member id (default: the key file’s)')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(
      async (proposalId: string, choice: string, o: PlatformTarget & { key: string; member?: string }) => {
        process.exitCode = await runVote(proposalId, choice, o);
      },
    );
  council
    .command('status [proposalId]')
    .description('one proposal with its votes and tally, or the list')
    .option('--url <url>', TARGET.url)
    .option('--token <token>', TARGET.token)
    .action(async (proposalId: string | undefined, o: PlatformTarget) => {
      process.exitCode = await runStatus(proposalId, o);
    });
  council
    .command('audit <export>')
    .description('offline: verify every vote signature and recompute every tally from a log export')
    .option(
      '-k, --key <vkey|file...>',
      'the log’s public key (GET /api/v1/log/public-key): first verify the export itself, as `acgs log verify` does, so that entries moved, removed or edited anywhere are found too',
    )
    .action(async (file: string, options: { key?: string[] }) => {
      process.exitCode = await runAudit(file, stdio, options.key);
    });
}
