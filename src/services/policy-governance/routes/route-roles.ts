import type { Role } from '../../../kernel/roles.js';
import type { ServiceName } from '../../../kernel/services.js';

/** Drafts, validation and bundle creation: the people who write policies. */
export const AUTHOR_ROLES: readonly Role[] = ['policy_author', 'admin'];
/** Reading bundles and the active pointer. */
export const READ_ROLES: readonly Role[] = ['policy_author', 'admin', 'auditor', 'council_member', 'service'];
/** Activation: admins, and the council's service account enacting an activation proposal. */
export const ACTIVATE_ROLES: readonly Role[] = ['admin', 'service'];
/** Of the services, only the council (`svc-ec`) activates. */
export const ACTIVATE_SERVICES: readonly ServiceName[] = ['ec'];
/** Handing over a synthesized policy set as a bundle: the synthesis service (`svc-gs`). */
export const SYNTHESIS_SERVICES: readonly ServiceName[] = ['gs'];
/** Who may rotate the bundle-signing key. */
export const KEY_ROLES: readonly Role[] = ['admin'];
/** Looking up how the log names a principal: those who read the log for its decisions. */
export const AUDIT_ROLES: readonly Role[] = ['auditor', 'admin'];
/** The decision API: agents and services. */
export const DECIDE_ROLES: readonly Role[] = ['agent', 'service'];

/** Who the guard says is calling, by pseudonym (see the kit's `actorOf`). */
export { actorOf as callerOf } from '../../../kit/request-actor.js';
