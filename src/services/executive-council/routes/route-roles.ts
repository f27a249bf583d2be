import type { Role } from '../../../kernel/roles.js';
import type { ServiceName } from '../../../kernel/services.js';

/** Reading members and proposals. */
export const READ_ROLES: readonly Role[] = [
  'council_member',
  'admin',
  'auditor',
  'policy_author',
  'reviewer',
  'service',
];
/** The admin bootstrap of the first members. */
export const SEAT_ROLES: readonly Role[] = ['admin'];
/** Opening and cancelling proposals. */
export const PROPOSE_ROLES: readonly Role[] = ['council_member', 'admin', 'policy_author'];
/** Submitting a signed vote (the signature, not the caller, says who voted). */
export const VOTE_ROLES: readonly Role[] = ['council_member'];
/** The contract's routes for other services. */
export const SERVICE_ROLES: readonly Role[] = ['service'];
/** Asked at enactment whether a proposal authorises it: the constitution service and the PGC. */
export const AUTHORITY_SERVICES: readonly ServiceName[] = ['ac', 'pgc'];
/** Whether a council sits, and the ratification of a break-glass activation: the PGC. */
export const PGC_SERVICES: readonly ServiceName[] = ['pgc'];
/** Proposing the adoption of an evolved variant: the Darwin Gödel Machine. */
export const DGM_SERVICES: readonly ServiceName[] = ['dgm'];
/** Proposing the activation of a synthesized bundle for the person who asked: the synthesis service. */
export const SYNTHESIS_SERVICES: readonly ServiceName[] = ['gs'];
/** The review queue. */
export const REVIEW_ROLES: readonly Role[] = ['reviewer', 'admin'];
export const REVIEW_READ_ROLES: readonly Role[] = ['reviewer', 'admin', 'auditor'];
/** Reading an outcome by decision id: the agent that asked (decision ids are unguessable), services, reviewers. */
export const OUTCOME_ROLES: readonly Role[] = ['agent', 'service', 'reviewer', 'admin'];

/** Who the guard says is calling, by pseudonym (see the kit's `actorOf`). */
export { actorOf as callerOf } from '../../../kit/request-actor.js';
