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

/** Who is calling, once the guard has verified a token or API key. */
export interface Principal {
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly string[];
  /** 'user' for people, 'service' for agents and services (API keys, service tokens). */
  readonly kind: 'user' | 'service';
}
