/**
 * `acgs council audit <export> --key`: two votes of one proposal trading places in the log (each
 * entry's number kept) leave every signature and the tally as they were, so only the signed tree
 * shows it. With the log's key the audit verifies the export first and fails; without, it cannot
 * tell. A genuine export passes both ways, and a key that cannot be read stops with 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CompactRange,
  encodeLogEntry,
  formatExportCheckpoint,
  formatExportEntry,
  formatExportHeader,
  formatVerifierKey,
  generateSignerKey,
  hashLeaf,
  type JsonValue,
  signCheckpoint,
} from '../../merkle/index.js';
import { COUNCIL_EVENTS } from '../../services/executive-council/council-events.js';
import { generateMemberKey, signVote } from '../../services/executive-council/vote-payload.js';
import { runAudit } from './council.js';

const ORIGIN = 'audit.example.org/acgs';
const logKey = generateSignerKey(ORIGIN);
const vkey = formatVerifierKey(logKey);
const dir = mkdtempSync(join(tmpdir(), 'acgs-council-audit-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROPOSAL = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const CONTENT = 'cd'.repeat(32);
const members = ['alice', 'bob'].map((memberId) => ({ memberId, weight: 1, ...generateMemberKey() }));

/** The council's entries of one open proposal with a yes from each member. */
function entries(): string[] {
  const event = (type: string, payload: JsonValue) =>
    encodeLogEntry({ type, time: '2026-12-08T00:00:00.000Z', source: 'ec', payload });
  const opened = event(COUNCIL_EVENTS.proposalOpened, {
    proposalId: PROPOSAL,
    kind: 'retire-policy',
    contentHash: CONTENT,
    rule: { quorum: 1, threshold: 'unanimous', votingWindowHours: 1, timelockHours: 0 },
    electorate: members.map(({ memberId, weight, publicKey }) => ({ memberId, weight, publicKey })),
  });
  const votes = members.map((m, i) => {
    const fields = {
      proposalId: PROPOSAL,
      contentHash: CONTENT,
      choice: 'yes' as const,
      memberId: m.memberId,
      time: new Date(1_800_000_000_000 + i).toISOString(),
    };
    return event(COUNCIL_EVENTS.voteCast, {
      ...fields,
      seq: i + 1,
      signature: signVote(fields, m.privateKeyPem),
    });
  });
  return [opened, ...votes];
}

/** The export as `acgs log export` writes it, signed over the genuine entries. */
function exportFile(name: string, lines: readonly string[]): string {
  const range = CompactRange.empty();
  for (const text of entries()) range.append(hashLeaf(text));
  const checkpoint = signCheckpoint({ origin: ORIGIN, size: range.size, root: range.root() }, [logKey]);
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      formatExportHeader(ORIGIN, [vkey]),
      ...lines.map((text, i) => formatExportEntry(i, text)),
      formatExportCheckpoint(checkpoint),
    ].join(''),
  );
  return file;
}

async function audit(file: string, keys?: string[]) {
  const out: string[] = [];
  const code = await runAudit(file, { out: (t) => out.push(t), err: (t) => out.push(t) }, keys);
  return { code, text: out.join('\n') };
}

describe('acgs council audit --key', () => {
  it('passes a genuine export with and without the key', async () => {
    const file = exportFile('genuine.ndjson', entries());
    for (const keys of [undefined, [vkey]]) assert.equal((await audit(file, keys)).code, 0);
  });

  it('fails two votes that traded places only with the key', async () => {
    const [opened, first, second] = entries();
    const file = exportFile('swapped.ndjson', [opened!, second!, first!]);
    assert.equal((await audit(file)).code, 0, 'the council entries alone cannot show it');
    const checked = await audit(file, [vkey]);
    assert.equal(checked.code, 1, checked.text);
    assert.match(checked.text, /FAILED: first bad entry index \d+/);
  });

  it('stops with 2 on a key it cannot read', async () => {
    assert.equal((await audit(exportFile('any.ndjson', entries()), ['not a key'])).code, 2);
  });
});
