/**
 * `acgs log prove <decision.json | leaf-hash>`: checks one logged decision against the log's signed
 * checkpoint, trusting nothing the platform says without checking it. From the decision's receipt
 * (the answer of `POST /api/v1/decisions`, saved to a file, or a leaf hash with `--index`) it
 * fetches the latest checkpoint and verifies its signature with the log's key (`--key`, or the key
 * the platform publishes), fetches the inclusion proof for the checkpoint's size and verifies it
 * against the signed root with the receipt's leaf hash, then fetches the entry and checks that it
 * hashes to that leaf hash and holds the decision. Exit 0 when everything verifies, 1 when
 * something does not, 2 for bad usage or refused credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  fromHex,
  hashLeaf,
  type NoteVerifierKey,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyInclusion,
} from '../../merkle/index.js';
import { loadTrustedKeys } from './log-verify.js';
import { callPlatform, type PlatformTarget } from './platform-http.js';
import type { CommandIo } from './policy.js';

export interface ProveOptions extends PlatformTarget {
  /** The entry's index, when the argument is a bare leaf hash. */
  readonly index?: string;
  /** The decision id to look for in the entry (read from the file when it is a decision answer). */
  readonly decision?: string;
  /** Trusted verifier keys; the platform's published keys when absent. */
  readonly key?: readonly string[];
  /** How long to wait for a checkpoint that covers the entry (ms). */
  readonly waitMs?: number;
}

const COMMAND = 'acgs log prove';
const READER = 'a log reader (auditor, admin, …): a token, or an API key';
const HEX32 = /^[0-9a-f]{64}$/;

interface Receipt {
  readonly leafHash: string;
  readonly index: number | undefined;
  readonly decisionId: string | undefined;
}

/** The receipt from a decision answer file (one decision or a batch) or a bare leaf hash. */
function receiptOf(argument: string, options: ProveOptions): Receipt | string {
  const index = options.index === undefined ? undefined : Number(options.index);
  if (index !== undefined && (!Number.isSafeInteger(index) || index < 0))
    return '--index must be an entry index (an integer ≥ 0)';
  if (HEX32.test(argument)) return { leafHash: argument, index, decisionId: options.decision };
  if (!existsSync(argument))
    return `${argument} is neither a file holding a decision answer nor a leaf hash (64 hex digits)`;
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(readFileSync(argument, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return `${argument} is not JSON (${(error as Error).message})`;
  }
  const receipt = answer.logReceipt as Record<string, unknown> | undefined;
  const firstOfBatch = (answer.decisions as Record<string, unknown>[] | undefined)?.[0]?.decisionId;
  const leafHash = receipt?.leafHash;
  if (typeof leafHash !== 'string' || !HEX32.test(leafHash)) {
    return `${argument} holds no logReceipt.leafHash: save the answer of POST /api/v1/decisions to a file and pass it`;
  }
  const stored = receipt?.index;
  return {
    leafHash,
    index: index ?? (typeof stored === 'number' ? stored : undefined),
    decisionId:
      options.decision ??
      (typeof answer.decisionId === 'string'
        ? answer.decisionId
        : typeof firstOfBatch === 'string'
          ? firstOfBatch
          : undefined),
  };
}

/** Runs the command; returns the exit code. */
export async function runLogProve(
  argument: string,
  options: ProveOptions,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const receipt = receiptOf(argument, options);
  if (typeof receipt === 'string') {
    io.err(`${COMMAND}: ${receipt}`);
    return 2;
  }
  const get = (path: string) =>
    callPlatform(COMMAND, options, { method: 'GET', path, tokenOf: READER }, io, env);

  let keys: NoteVerifierKey[];
  let keysFrom: string;
  if (options.key !== undefined && options.key.length > 0) {
    try {
      keys = loadTrustedKeys(options.key);
    } catch (error) {
      io.err(`${COMMAND}: bad --key: ${(error as Error).message}`);
      return 2;
    }
    keysFrom = 'the key given with --key';
  } else {
    const published = await get('/api/v1/log/public-key');
    if (!published.ok) return published.exitCode;
    const list = (published.body.allKeys ?? published.body.keys) as string[] | undefined;
    keys = (list ?? []).map((k) => parseVerifierKey(k));
    keysFrom = 'the key the platform publishes (pin it with --key for an independent check)';
  }

  // The entry's index: from the receipt, or found by its leaf hash with the proof below.
  let checkpoint: Record<string, unknown> | undefined;
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  for (;;) {
    const answer = await get('/api/v1/log/checkpoint');
    if (!answer.ok) return answer.exitCode;
    checkpoint = answer.body;
    const size = Number(checkpoint.size);
    if (receipt.index === undefined ? size > 0 : size > receipt.index) break;
    if (Date.now() >= deadline) {
      io.err(
        `${COMMAND}: no signed checkpoint covers entry ${receipt.index ?? '?'} yet (latest size ${size})`,
      );
      return 1;
    }
    await sleep(250); // checkpoints are signed about every second (ACGS_LOG_CHECKPOINT_MS)
  }
  let signed: ReturnType<typeof openCheckpoint>;
  try {
    signed = openCheckpoint(String(checkpoint.note), keys);
  } catch (error) {
    io.out(
      `FAILED: the checkpoint's signature does not verify with ${keysFrom}: ${(error as Error).message}`,
    );
    return 1;
  }

  const where = receipt.index === undefined ? `leafHash=${receipt.leafHash}` : `index=${receipt.index}`;
  const proved = await get(`/api/v1/log/proofs/inclusion?${where}&size=${signed.size}`);
  if (!proved.ok) return proved.exitCode;
  const index = Number(proved.body.index);
  const proof = ((proved.body.proof as string[] | undefined) ?? []).map(fromHex);
  if (!verifyInclusion(index, signed.size, fromHex(receipt.leafHash), proof, signed.root)) {
    io.out(
      `FAILED: the inclusion proof of entry ${index} does not lead from leaf hash ${receipt.leafHash} to the signed root of size ${signed.size}`,
    );
    return 1;
  }

  const read = await get(`/api/v1/log/entries/${index}`);
  if (!read.ok) return read.exitCode;
  const text = String(read.body.entry);
  if (toHex(hashLeaf(text)) !== receipt.leafHash) {
    io.out(`FAILED: entry ${index} as served does not hash to the receipt's leaf hash ${receipt.leafHash}`);
    return 1;
  }
  let found: readonly unknown[] | undefined;
  if (receipt.decisionId !== undefined) {
    const entry = JSON.parse(text) as { payload?: { decisions?: unknown[] } };
    found = (entry.payload?.decisions ?? []).find(
      (d): d is unknown[] => Array.isArray(d) && d[0] === receipt.decisionId,
    );
    if (found === undefined) {
      io.out(`FAILED: entry ${index} does not hold decision ${receipt.decisionId}`);
      return 1;
    }
  }
  const what =
    found === undefined ? `leaf ${receipt.leafHash}` : `decision ${receipt.decisionId} (${String(found[1])})`;
  io.out(
    `ok: ${what} is entry ${index} of ${signed.origin}, included in the signed checkpoint of size ${signed.size} (root ${toHex(signed.root)})`,
  );
  io.out(`  signature checked with ${keysFrom}`);
  return 0;
}
