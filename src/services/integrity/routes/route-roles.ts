import type { Role } from '../../../kernel/roles.js';
import { SERVICE_NAMES, type ServiceName } from '../../../kernel/services.js';

/**
 * Appending: service identities only (`svc-<name>`), each under its own name as `source`; the
 * log records the writer. Admins and other service-role accounts cannot write entries.
 */
export const APPEND_ROLES: readonly Role[] = ['service'];
export const APPEND_SERVICES: readonly ServiceName[] = SERVICE_NAMES;
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
