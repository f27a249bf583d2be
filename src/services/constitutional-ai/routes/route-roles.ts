import { ROLES, type Role } from '../../../kernel/roles.js';
import type { ServiceName } from '../../../kernel/services.js';

/** Reads: any authenticated caller. */
export const READ_ROLES: readonly Role[] = ROLES;
/** Drafts: the people who write constitutions. */
export const AUTHOR_ROLES: readonly Role[] = ['policy_author', 'admin'];
/** The bootstrap of the first version. */
export const ADMIN_ROLES: readonly Role[] = ['admin'];
/** Enactment: the council service's account (service tokens carry the `service` role). */
export const ENACT_ROLES: readonly Role[] = ['service'];
/** …and of the services, only the council (`svc-ec`): one compromised pod must not rewrite the constitution. */
export const ENACT_SERVICES: readonly ServiceName[] = ['ec'];
/** Validating a proposed amendment: its authors, council members proposing it, the council's account. */
export const RESOLVE_ROLES: readonly Role[] = ['policy_author', 'admin', 'council_member', 'service'];

/** Who the guard says is calling, by pseudonym (see the kit's `actorOf`). */
export { actorOf as callerOf } from '../../../kit/request-actor.js';
