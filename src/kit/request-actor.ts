import type { Principal } from '../kernel/roles.js';

/**
 * Who acted, as services record it (`createdBy`, `activatedBy`, a decision's `caller`, ...): the
 * caller's pseudonym, which the Auth service issues with every credential, so that no user id
 * reaches the log or another service's tables (DESIGN.md §2, Log entry; docs/security.md,
 * "Personal data"). A credential without one (a token issued before pseudonyms, a test's
 * principal) is named by its subject; a request without a caller is `unknown`.
 */
export function actorOf(request: {
  readonly principal?: Pick<Principal, 'subject' | 'pseudonym'> | undefined;
}): string {
  const principal = request.principal;
  if (principal === undefined) return 'unknown';
  return principal.pseudonym ?? principal.subject;
}
