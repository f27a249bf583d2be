/**
 * The builtin synthesizer's second stage: what the constitution permits. Invariants only say
 * what must not happen; which actions are granted at all comes from the scenarios that expect
 * allow (or review). A grant is per action type and names the principal types and roles seen
 * in those scenarios, so it generalises to other requests by the same kind of principal rather
 * than copying each scenario. Restrictions from the first stage win over grants (deny over
 * review over allow), which is what keeps every invariant.
 */
import type { Policy } from '../../../policy/index.js';
import type { ScenarioExample } from './invariant-policies.js';

interface Principal {
  readonly type: string;
  readonly roles: readonly string[];
}

function principalOf(request: Readonly<Record<string, unknown>>): Principal | undefined {
  const principal = request.principal as { type?: unknown; roles?: unknown } | undefined;
  if (typeof principal?.type !== 'string' || !Array.isArray(principal.roles)) return undefined;
  return { type: principal.type, roles: principal.roles.filter((r): r is string => typeof r === 'string') };
}

function actionOf(request: Readonly<Record<string, unknown>>): string | undefined {
  const type = (request.action as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' ? type : undefined;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** `principal.type == 't' && ('r1' in principal.roles || ...)` for each principal type, or-ed. */
export function principalCondition(principals: readonly Principal[]): string {
  const byType = new Map<string, Set<string>>();
  for (const p of principals) {
    const roles = byType.get(p.type) ?? new Set<string>();
    for (const role of p.roles) roles.add(role);
    byType.set(p.type, roles);
  }
  const clauses = [...byType]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, roles]) => {
      const sorted = [...roles].sort();
      const roleTest =
        sorted.length === 0 ? 'true' : sorted.map((r) => `${quote(r)} in principal.roles`).join(' || ');
      return `principal.type == ${quote(type)} && (${roleTest})`;
    });
  return clauses.length === 1 ? clauses[0]! : clauses.map((c) => `(${c})`).join(' || ');
}

/**
 * One `effect` policy per action type for the scenarios given (those expecting `effect`),
 * granting it to the principal types and roles they show.
 */
export function scenarioGrants(examples: readonly ScenarioExample[], effect: 'allow' | 'review'): Policy[] {
  const byAction = new Map<string, Principal[]>();
  for (const ex of examples) {
    const action = actionOf(ex.request);
    const principal = principalOf(ex.request);
    if (action === undefined || principal === undefined) continue;
    byAction.set(action, [...(byAction.get(action) ?? []), principal]);
  }
  return [...byAction]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([action, principals]) => ({
      id: `synth.${effect}.${action}`,
      version: 1,
      description: `${effect === 'allow' ? 'Grants' : 'Sends to review'} ${action} for the principals the scenarios show`,
      principles: [],
      target: { actions: [action] },
      condition: principalCondition(principals),
      effect,
      priority: effect === 'allow' ? 1 : 20,
      obligations: [],
    }));
}
