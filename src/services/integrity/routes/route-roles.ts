import type { Role } from '../../../kernel/roles.js';

/** Appending: the other services' accounts (and admins, for operations). */
export const APPEND_ROLES: readonly Role[] = ['service', 'admin'];
/**
 * Reading entries, checkpoints and proofs: auditors above all, plus the people and services who
 * govern. Agents are left out: entries hold other agents' decisions.
 */
export const READ_ROLES: readonly Role[] = [
  'auditor',
  'admin',
  'service',
  'council_member',
  'reviewer',
  'policy_author',
];
