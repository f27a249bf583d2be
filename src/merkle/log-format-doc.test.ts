import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openCheckpoint } from './checkpoint-note.js';
import { fromHex, hashLeaf, toHex } from './hash-rfc6962.js';
import { parseLogEntry } from './log-entry.js';
import { parseVerifierKey } from './note-keys.js';
import { verifyConsistency, verifyInclusion } from './proof-verify.js';
import { StreamVerifier } from './stream-verifier.js';

// Keeps docs/log-format.md honest: its worked examples must verify with this library.
const doc = readFileSync(fileURLToPath(new URL('../../../docs/log-format.md', import.meta.url)), 'utf8');

function block(tag: string, after: string): string {
  const start = doc.indexOf('```' + tag + '\n', doc.indexOf(after));
  assert.ok(start >= 0, `no ${tag} block after ${after}`);
  const body = start + tag.length + 4;
  return doc.slice(body, doc.indexOf('```', body));
}

describe('docs/log-format.md examples', () => {
  const vkey = /with the key `([^`]+)`/.exec(doc)?.[1];
  const key = parseVerifierKey(vkey ?? '');
  const exportText = block('ndjson', 'Example export');
  const report = (() => {
    const verifier = new StreamVerifier({ keys: [key], origin: 'log.example.org/acgs' });
    for (const line of exportText.split('\n')) verifier.line(line);
    return verifier.finish();
  })();
  const entries = exportText
    .split('\n')
    .filter((l) => l.includes('"kind":"entry"'))
    .map((l) => (JSON.parse(l) as { entry: string }).entry);
  const leafHashes = entries.map((e) => hashLeaf(e));

  test('the example export verifies with the documented key, and its root is the documented one', () => {
    assert.deepEqual(report.issues, []);
    assert.equal(report.ok, true);
    assert.equal(report.entries, 3);
    assert.equal(report.checkpoints, 3);
    const stated = /the root at size 3 is `([0-9a-f]{64})`/.exec(doc)?.[1];
    assert.equal(report.verifiedRoot, stated);
  });

  test('the documented leaf hashes, entry example and checkpoint note match the export', () => {
    const stated = /Its leaf hashes are `([0-9a-f]{64})`, `([0-9a-f]{64})` and `([0-9a-f]{64})`/.exec(doc);
    assert.deepEqual(stated?.slice(1), leafHashes.map(toHex));
    const example = block('', 'Example (one line').trim();
    assert.equal(parseLogEntry(example).type, 'policy.decision');
    assert.equal(entries[1], example);
    assert.equal(
      /leaf hash of the example entry above is\s+`([0-9a-f]{64})`/.exec(doc)?.[1],
      toHex(hashLeaf(example)),
    );
    assert.equal(Buffer.byteLength(example), Number(/Example \(one line, (\d+) bytes\)/.exec(doc)?.[1]));
    const note = `${block('', 'the checkpoint of the three entries').trimEnd()}\n`;
    const checkpoint = openCheckpoint(note, [key], 'log.example.org/acgs');
    assert.equal(checkpoint.size, 3);
    assert.equal(toHex(checkpoint.root), report.verifiedRoot);
  });

  test('the documented proofs verify', () => {
    const root = fromHex(report.verifiedRoot!);
    const inclusion =
      /inclusion proof of entry 1 in the tree of size 3 is\s+`\[([0-9a-f]{64}), ([0-9a-f]{64})\]`/.exec(doc);
    assert.ok(inclusion);
    assert.ok(verifyInclusion(1, 3, leafHashes[1]!, [fromHex(inclusion[1]!), fromHex(inclusion[2]!)], root));
    const consistency = /consistency proof from 2 to 3 is `\[([0-9a-f]{64})\]`/.exec(doc);
    assert.ok(consistency);
    const note2 = exportText.split('\n').find((l) => l.includes('\\n2\\n'))!;
    const root2 = openCheckpoint((JSON.parse(note2) as { note: string }).note, [key]).root;
    assert.ok(verifyConsistency(2, 3, [fromHex(consistency[1]!)], root2, root));
  });
});
