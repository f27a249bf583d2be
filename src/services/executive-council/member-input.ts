import type { FieldError } from '../../kernel/errors.js';
import { MEMBER_ID_PATTERN, publicKeyOf } from './vote-payload.js';

/** A member as given to the seating route or in a change-council proposal. */
export interface MemberInput {
  readonly memberId: string;
  readonly displayName: string;
  /** Raw 32-byte Ed25519 public key, base64 (`acgs council keygen` prints it). */
  readonly publicKey: string;
  /** A positive integer up to 1,000,000. */
  readonly weight: number;
}

export const MAX_WEIGHT = 1_000_000;
const MEMBER_ID = new RegExp(MEMBER_ID_PATTERN);

/** Every problem with a member, each as a pointer under `base`. */
export function memberProblems(input: Partial<MemberInput>, base: string): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof input.memberId !== 'string' || !MEMBER_ID.test(input.memberId))
    errors.push({ pointer: `${base}/memberId`, detail: `expected ${MEMBER_ID_PATTERN}` });
  if (typeof input.displayName !== 'string' || input.displayName.length < 1 || input.displayName.length > 200)
    errors.push({ pointer: `${base}/displayName`, detail: 'expected 1 to 200 characters' });
  if (typeof input.publicKey !== 'string' || publicKeyOf(input.publicKey) === undefined)
    errors.push({
      pointer: `${base}/publicKey`,
      detail: 'expected a raw 32-byte Ed25519 public key in base64',
    });
  if (!weightValid(input.weight))
    errors.push({ pointer: `${base}/weight`, detail: `expected an integer from 1 to ${MAX_WEIGHT}` });
  return errors;
}

export function weightValid(weight: unknown): weight is number {
  return typeof weight === 'number' && Number.isInteger(weight) && weight >= 1 && weight <= MAX_WEIGHT;
}
