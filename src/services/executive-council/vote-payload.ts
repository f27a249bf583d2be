/**
 * The bytes a council member signs to vote (docs/council.md §4), and their Ed25519 signature.
 * Pure: used by the service, the CLI (which signs locally) and the offline audit.
 *
 * ```
 * acgs.council.vote.v1\n
 * proposal:<proposal id>\n
 * content:<content hash, 64 lower-case hex>\n
 * choice:<yes|no|abstain>\n
 * voter:<member id>\n
 * time:<YYYY-MM-DDTHH:MM:SS.sssZ>\n
 * ```
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

export const VOTE_CHOICES = ['yes', 'no', 'abstain'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

/** What a vote binds. */
export interface VoteFields {
  readonly proposalId: string;
  readonly contentHash: string;
  readonly choice: VoteChoice;
  readonly memberId: string;
  /** RFC 3339 UTC with milliseconds, exactly as `Date.prototype.toISOString` writes it. */
  readonly time: string;
}

export const MEMBER_ID_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
const MEMBER_ID = new RegExp(MEMBER_ID_PATTERN);
const HASH = /^[0-9a-f]{64}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PROPOSAL_ID = /^[0-9a-f-]{36}$/;

/** Why a vote's fields cannot be signed (each field must be what the payload allows), or undefined. */
export function voteFieldProblem(
  fields: VoteFields,
): { field: keyof VoteFields; detail: string } | undefined {
  if (!PROPOSAL_ID.test(fields.proposalId))
    return { field: 'proposalId', detail: 'expected a proposal id (UUID)' };
  if (!HASH.test(fields.contentHash))
    return { field: 'contentHash', detail: 'expected 64 lower-case hex digits' };
  if (!(VOTE_CHOICES as readonly string[]).includes(fields.choice))
    return { field: 'choice', detail: 'expected yes, no or abstain' };
  if (!MEMBER_ID.test(fields.memberId)) return { field: 'memberId', detail: `expected ${MEMBER_ID_PATTERN}` };
  if (!TIME.test(fields.time) || new Date(fields.time).toISOString() !== fields.time)
    return { field: 'time', detail: 'expected YYYY-MM-DDTHH:MM:SS.sssZ (UTC, milliseconds)' };
  return undefined;
}

/** The exact bytes signed (UTF-8; every field is ASCII once it passed `voteFieldProblem`). */
export function votePayload(fields: VoteFields): Buffer {
  return Buffer.from(
    `acgs.council.vote.v1\nproposal:${fields.proposalId}\ncontent:${fields.contentHash}\nchoice:${fields.choice}\nvoter:${fields.memberId}\ntime:${fields.time}\n`,
    'utf8',
  );
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A raw 32-byte Ed25519 public key (base64) as a KeyObject, or undefined if it is not one. */
export function publicKeyOf(publicKeyBase64: string): KeyObject | undefined {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== publicKeyBase64) return undefined;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Whether `signature` (base64, 64 bytes) is the member's Ed25519 signature of the vote. */
export function verifyVote(fields: VoteFields, signature: string, publicKey: string | KeyObject): boolean {
  const key = typeof publicKey === 'string' ? publicKeyOf(publicKey) : publicKey;
  if (key === undefined || voteFieldProblem(fields) !== undefined) return false;
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64 || bytes.toString('base64') !== signature) return false;
  return verify(null, votePayload(fields), key, bytes);
}

/** Signs a vote with a PKCS#8 PEM private key; returns the signature in base64. */
export function signVote(fields: VoteFields, privateKeyPem: string): string {
  return sign(null, votePayload(fields), createPrivateKey(privateKeyPem)).toString('base64');
}

/** A new member key pair: the private key as PKCS#8 PEM, the public key as raw 32 bytes in base64. */
export function generateMemberKey(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: spki.subarray(SPKI_ED25519_PREFIX.length).toString('base64'),
  };
}
