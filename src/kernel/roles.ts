import { isServiceName, type ServiceName } from './services.js';

/** The platform's roles (DESIGN.md §1, Auth). Routes declare which of them may call. */
export const ROLES = [
  'admin',
  'council_member',
  'policy_author',
  'reviewer',
  'auditor',
  'agent',
  'service',
] as const;

export type Role = (typeof ROLES)[number];

/** A fixed attribute of a bound principal: a JSON scalar or a list of scalars. */
export type BoundAttribute = string | number | boolean | readonly (string | number | boolean)[];

/**
 * The principal a credential speaks as in decision requests (DESIGN.md §2, Identity): its id,
 * type, (vocabulary) roles and fixed attributes. The server fills these into the request; a body
 * that contradicts them is refused.
 */
export interface BoundPrincipal {
  readonly id: string;
  readonly type: string;
  readonly roles: readonly string[];
  readonly attrs: Readonly<Record<string, BoundAttribute>>;
}

/** Who is calling, once the guard has verified a token or API key. */
export interface Principal {
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
  /** 'user' for people, 'service' for agents and services (API keys, service tokens). */
  readonly kind: 'user' | 'service';
  /**
   * The caller's pseudonym, issued by the Auth service (a keyed hash of `subject`, 32 hex digits):
   * log entries name the caller by it, never by `subject` or `name` (personal data).
   */
  readonly pseudonym?: string;
  /** The account's name (username or service-account name), when the credential says it. */
  readonly name?: string;
  /**
   * The platform service this caller is (`svc-<name>` accounts holding the `service` role):
   * routes between services name which services may call them.
   */
  readonly service?: ServiceName;
  /** The principal this caller decides as; absent: the caller's own account (see `principalFor`). */
  readonly boundPrincipal?: BoundPrincipal;
  /** May speak for other principals in decision requests (the MCP gateway, an ext_authz endpoint). */
  readonly delegate?: boolean;
  /**
   * The credential has a per-minute limit of its own (an API key created with one), counted per
   * `client` (`key:<key id>`) instead of the platform's per-client minute limit.
   */
  readonly ownRateLimit?: { readonly client: string; readonly perMinute: number };
}

const SERVICE_ACCOUNT = /^svc-([a-z]+)$/;

/**
 * The service a caller is: its account is named `svc-<service>` and holds the `service` role.
 * Only admins create accounts, so the name is as trustworthy as the credential.
 */
export function serviceOfAccount(name: string | undefined, roles: readonly Role[]): ServiceName | undefined {
  if (name === undefined || !roles.includes('service')) return undefined;
  const match = SERVICE_ACCOUNT.exec(name);
  return match && isServiceName(match[1]!) ? match[1] : undefined;
}
