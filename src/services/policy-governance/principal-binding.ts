/**
 * Bound identity (DESIGN.md §2, Identity): who a decision is about is not the caller's to claim.
 * The caller's credential carries its principal (id, type, roles, fixed attributes); the server
 * fills them into the request, and a request that contradicts them is refused (403
 * PGC_PRINCIPAL_MISMATCH naming the field). Only a caller with the delegate permission speaks
 * for other principals; the log records the caller beside the principal either way.
 */
import type { BoundAttribute, BoundPrincipal, Principal } from '../../kernel/roles.js';
import { pgcErrors } from './errors.js';

/** The principal a caller decides as: its binding, or else its own account with no roles or attributes. */
export function boundPrincipalOf(caller: Principal): BoundPrincipal {
  return (
    caller.boundPrincipal ?? {
      id: caller.name ?? caller.subject,
      type: caller.kind === 'service' ? 'agent' : 'human',
      roles: [],
      attrs: {},
    }
  );
}

function mismatch(pointer: string, detail: string) {
  return pgcErrors.create('PGC_PRINCIPAL_MISMATCH', `${pointer}: ${detail}`, {
    errors: [{ pointer, detail }],
  });
}

function sameAttribute(a: unknown, b: BoundAttribute): boolean {
  if (!Array.isArray(b)) return a === b;
  return Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameRoleSet(given: unknown, bound: readonly string[]): boolean {
  if (!Array.isArray(given) || given.length !== bound.length) return false;
  const set = new Set(bound);
  return given.every((role) => typeof role === 'string' && set.has(role)) && new Set(given).size === set.size;
}

/**
 * The request the caller may have decided: for a delegate, the request as sent; otherwise the
 * request with `principal` set to the caller's bound principal. A member the body gives must
 * equal the bound one (roles as a set; each attribute given must be a bound attribute with the
 * same value); `pointer` is where the request sits in the HTTP body (`/body`, `/body/requests/3`).
 */
export function bindPrincipal(request: unknown, caller: Principal, pointer: string): unknown {
  if (caller.delegate === true) return request;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return request;
  const bound = boundPrincipalOf(caller);
  const body = request as Record<string, unknown>;
  const given = body.principal;
  const at = `${pointer}/principal`;
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given)))
    throw mismatch(at, 'the principal comes from your credential; omit it or send it unchanged');
  const claimed = (given ?? {}) as Record<string, unknown>;
  if (claimed.id !== undefined && claimed.id !== bound.id)
    throw mismatch(
      `${at}/id`,
      `your credential decides as ${JSON.stringify(bound.id)}, not ${JSON.stringify(claimed.id)}`,
    );
  if (claimed.type !== undefined && claimed.type !== bound.type)
    throw mismatch(`${at}/type`, `your credential's principal is of type ${JSON.stringify(bound.type)}`);
  if (claimed.roles !== undefined && !sameRoleSet(claimed.roles, bound.roles))
    throw mismatch(`${at}/roles`, `your credential's principal has the roles [${bound.roles.join(', ')}]`);
  if (claimed.attrs !== undefined) {
    if (typeof claimed.attrs !== 'object' || claimed.attrs === null || Array.isArray(claimed.attrs))
      throw mismatch(`${at}/attrs`, 'the attributes come from your credential');
    for (const [name, value] of Object.entries(claimed.attrs)) {
      const fixed = bound.attrs[name];
      if (fixed === undefined || !sameAttribute(value, fixed))
        throw mismatch(`${at}/attrs/${name}`, 'this attribute is fixed by your credential');
    }
  }
  const principal: Record<string, unknown> = {
    ...claimed,
    id: bound.id,
    type: bound.type,
    roles: bound.roles,
  };
  if (Object.keys(bound.attrs).length > 0) principal.attrs = bound.attrs;
  else delete principal.attrs;
  return { ...body, principal };
}
