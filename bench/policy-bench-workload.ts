/**
 * The policy benchmark's workload: a 20-attribute vocabulary, deterministic random policies
 * (each written both as a CEL policy and as the equivalent Cedar permit/forbid policy) and
 * requests (each in our request form and as a Cedar authorization call).
 */
import type { Effect, Policy, VocabularyInput } from '../src/policy/index.js';

/** mulberry32: a small deterministic PRNG so every run measures the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BENCH_VOCABULARY: VocabularyInput = {
  attributes: {
    'principal.id': { type: 'string', required: true },
    'principal.kind': { type: 'string', required: true },
    'principal.roles': { type: 'list<string>', required: true },
    'principal.team': { type: 'string', required: true },
    'principal.trust': { type: 'int', required: true },
    'principal.tenure': { type: 'int', required: true },
    'action.amount': { type: 'int', required: true },
    'action.currency': { type: 'string', required: true },
    'action.count': { type: 'int', required: true },
    'action.channel': { type: 'string', required: true },
    'resource.type': { type: 'string', required: true },
    'resource.owner': { type: 'string', required: true },
    'resource.external': { type: 'bool', required: true },
    'resource.sensitivity': { type: 'int', required: true },
    'resource.region': { type: 'string', required: true },
    'context.pii': { type: 'bool', required: true },
    'context.risk': { type: 'int', required: true },
    'context.tier': { type: 'string', required: true },
    'context.hour': { type: 'int', required: true },
    'context.trusted_ip': { type: 'bool', required: true },
  },
};

const TEAMS = ['support', 'payments', 'ops', 'sales'];
const ROLES = ['agent', 'lead', 'auditor', 'payments-agent', 'support-agent'];
const CURRENCIES = ['EUR', 'USD', 'GBP'];
const CHANNELS = ['email', 'chat', 'api'];
const REGIONS = ['eu', 'us', 'apac'];
const TIERS = ['free', 'standard', 'vip'];

/** CEL attribute path → Cedar expression (action attributes travel in the Cedar context). */
const CEDAR_PATH: Record<string, string> = {};
for (const path of Object.keys(BENCH_VOCABULARY.attributes)) {
  const [ns, field] = path.split('.') as [string, string];
  CEDAR_PATH[path] = ns === 'action' ? `context.action_${field}` : `${ns}.${field}`;
}

interface Atom {
  readonly cel: string;
  readonly cedar: string;
}

function atom(rand: () => number): Atom {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const int = (max: number) => Math.floor(rand() * max);
  const cmp = pick(['>', '>=', '<', '<=']);
  switch (int(10)) {
    case 0: {
      const k = int(6);
      return { cel: `principal.trust ${cmp} ${k}`, cedar: `principal.trust ${cmp} ${k}` };
    }
    case 1: {
      const k = int(10_000);
      return { cel: `action.amount ${cmp} ${k}`, cedar: `context.action_amount ${cmp} ${k}` };
    }
    case 2: {
      const k = int(5);
      return { cel: `resource.sensitivity ${cmp} ${k}`, cedar: `resource.sensitivity ${cmp} ${k}` };
    }
    case 3: {
      const k = int(100);
      return { cel: `context.risk ${cmp} ${k}`, cedar: `context.risk ${cmp} ${k}` };
    }
    case 4: {
      const t = pick(TEAMS);
      return { cel: `principal.team == '${t}'`, cedar: `principal.team == "${t}"` };
    }
    case 5: {
      const r = pick(ROLES);
      return { cel: `'${r}' in principal.roles`, cedar: `principal.roles.contains("${r}")` };
    }
    case 6: {
      const neg = rand() < 0.5;
      return { cel: `${neg ? '!' : ''}context.pii`, cedar: `${neg ? '!' : ''}context.pii` };
    }
    case 7: {
      const neg = rand() < 0.5;
      return { cel: `${neg ? '!' : ''}resource.external`, cedar: `${neg ? '!' : ''}resource.external` };
    }
    case 8: {
      const c = pick(CURRENCIES);
      return { cel: `action.currency == '${c}'`, cedar: `context.action_currency == "${c}"` };
    }
    default: {
      const tier = pick(TIERS);
      return { cel: `context.tier != '${tier}'`, cedar: `context.tier != "${tier}"` };
    }
  }
}

export interface BenchPolicy {
  readonly policy: Policy;
  /** The same policy in Cedar syntax (review is a forbid: Cedar only has permit and forbid). */
  readonly cedar: string;
}

/** `perAction` policies for each of `actions` action types. */
export function makePolicies(actions: number, perAction: number, seed = 1): BenchPolicy[] {
  const rand = prng(seed);
  const out: BenchPolicy[] = [];
  for (let a = 0; a < actions; a++) {
    for (let i = 0; i < perAction; i++) {
      const n = 1 + Math.floor(rand() * 3);
      const atoms = Array.from({ length: n }, () => atom(rand));
      const or = n > 1 && rand() < 0.25;
      const cel = atoms.map((x) => x.cel).join(or ? ' || ' : ' && ');
      const cedar = atoms.map((x) => x.cedar).join(or ? ' || ' : ' && ');
      const r = rand();
      const effect: Effect = r < 0.7 ? 'allow' : r < 0.9 ? 'deny' : 'review';
      const id = `p${a}_${i}`;
      out.push({
        policy: {
          id,
          version: 1,
          description: '',
          principles: ['bench'],
          target: { actions: [`act${a}`] },
          condition: cel,
          effect,
          priority: 0,
          obligations: [],
        },
        cedar: `@id("${id}")\n${effect === 'allow' ? 'permit' : 'forbid'}(principal, action == Action::"act${a}", resource) when { ${cedar} };`,
      });
    }
  }
  return out;
}

export interface BenchRequest {
  readonly request: {
    principal: Record<string, unknown>;
    action: { type: string } & Record<string, unknown>;
    resource: Record<string, unknown>;
    context: Record<string, unknown>;
  };
  readonly cedar: {
    principal: { type: string; id: string };
    action: { type: string; id: string };
    resource: { type: string; id: string };
    context: Record<string, unknown>;
    entities: unknown[];
  };
}

/** `count` requests whose action types are drawn from `actionIds` (default: all `actions` types). */
export function makeRequests(
  count: number,
  actions: number,
  seed = 2,
  actionIds: readonly number[] = Array.from({ length: actions }, (_, i) => i),
): BenchRequest[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const int = (max: number) => Math.floor(rand() * max);
  return Array.from({ length: count }, (_, i) => {
    const principal = {
      id: `agent-${i}`,
      kind: pick(['agent', 'human']),
      roles: ROLES.filter(() => rand() < 0.4),
      team: pick(TEAMS),
      trust: int(6),
      tenure: int(1000),
    };
    const action = {
      type: `act${pick(actionIds)}`,
      amount: int(10_000),
      currency: pick(CURRENCIES),
      count: int(50),
      channel: pick(CHANNELS),
    };
    const resource = {
      type: 'doc',
      owner: `u${int(100)}`,
      external: rand() < 0.5,
      sensitivity: int(5),
      region: pick(REGIONS),
    };
    const context = {
      pii: rand() < 0.3,
      risk: int(100),
      tier: pick(TIERS),
      hour: int(24),
      trusted_ip: rand() < 0.7,
    };
    const actionContext = Object.fromEntries(
      Object.entries(action)
        .filter(([k]) => k !== 'type')
        .map(([k, v]) => [`action_${k}`, v]),
    );
    return {
      request: { principal, action, resource, context },
      cedar: {
        principal: { type: 'Agent', id: principal.id },
        action: { type: 'Action', id: action.type },
        resource: { type: 'Resource', id: `r${i}` },
        context: { ...context, ...actionContext },
        entities: [
          { uid: { type: 'Agent', id: principal.id }, attrs: { ...principal }, parents: [] },
          { uid: { type: 'Resource', id: `r${i}` }, attrs: { ...resource }, parents: [] },
        ],
      },
    };
  });
}
