/**
 * Attributes the samples of a V8 CPU profile (`node --cpu-prof`) to the stages of a decision:
 * each sample goes to the innermost frame on its stack that belongs to a stage (the script's URL
 * decides), so a hash computed for the log counts as log even when the route called it. Samples
 * are cut to a time window given in the monotonic clock that both V8's profiler and
 * `process.hrtime` read, so a load run's samples can be told from start-up and set-up.
 */
import { readFileSync } from 'node:fs';

export const STAGES = ['guard', 'body', 'decide', 'log', 'http', 'gc'] as const;
export type Stage = (typeof STAGES)[number];

/** Script URLs of each stage; checked in this order for every frame, innermost frame first. */
const STAGE_SCRIPTS: readonly (readonly [Stage, RegExp])[] = [
  // Socket and HTTP machinery stops the walk: a response written from inside the serializer's
  // call is HTTP work, not serialization.
  ['http', /^node:(_http_|net$|internal\/stream_base_commons|internal\/streams\/)/],
  [
    'guard',
    /\/kit\/(route-auth|token-authenticator|client-rate-limiter|credential-cache|revocation-watch)\.js|\/auth\/(usecases\/resolve-api-key|secret-tokens)\.js|\/apps\/auth-outage-grace\.js|\/cache\//,
  ],
  [
    'log',
    /\/policy-governance\/(decision-log|request-digest|decision-entry)\.js|\/services\/(integrity|executive-council)\/|\/merkle\/|\/storage\/|\/bus\/|\/kit\/outbox-relay\.js|better-sqlite3|kysely|\/kernel\/canonical-json\.js/,
  ],
  [
    'body',
    /\/kit\/(json-body|request-validation)\.js|fastify\/lib\/(content-type-parser|contentTypeParser|validation|schemas)\.js|fast-json-stringify|\/ajv\/|decision-serializer|decision-body/,
  ],
  [
    'decide',
    /\/policy\/|\/policy-governance\/(principal-binding|usecases\/decide-requests|routes\/decisions)\.js/,
  ],
];

const SERIALIZERS = new Set(['serialize', 'preSerializationHook', 'preSerializationHookEnd']);

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Microseconds of CPU per stage inside [fromUs, toUs) (monotonic clock), and the total. */
export interface StageTimes {
  readonly stages: Record<Stage, number>;
  /** Per stage, the functions with the most self time (`name file:line`, µs). */
  readonly top: Record<Stage, readonly (readonly [string, number])[]>;
  readonly busyUs: number;
  readonly samples: number;
}

export function stageTimes(profilePath: string, fromUs: number, toUs: number, topN = 8): StageTimes {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stageOfNode = new Map<number, Stage | 'idle'>();
  const classify = (id: number): Stage | 'idle' => {
    const known = stageOfNode.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let stage: Stage | 'idle' = 'http';
    if (leaf === '(idle)') stage = 'idle';
    else if (leaf === '(garbage collector)') stage = 'gc';
    else {
      find: for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const { url, functionName } = byId.get(at)!.callFrame;
        if (url === '') continue;
        // Fastify's reply.js both serializes (body) and writes to the socket (http).
        if (SERIALIZERS.has(functionName) && url.endsWith('fastify/lib/reply.js')) {
          stage = 'body';
          break;
        }
        for (const [name, pattern] of STAGE_SCRIPTS) {
          if (pattern.test(url)) {
            stage = name;
            break find;
          }
        }
      }
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const stages = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const self = new Map<string, { stage: Stage; us: number }>();
  let busyUs = 0;
  let samples = 0;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i]!;
    time += delta;
    if (time < fromUs || time >= toUs) continue;
    // A sample stands for the interval up to the next one.
    const span = profile.timeDeltas[i + 1] ?? delta;
    const stage = classify(profile.samples[i]!);
    if (stage === 'idle') continue;
    stages[stage] += span;
    busyUs += span;
    samples++;
    const frame = byId.get(profile.samples[i]!)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    const entry = self.get(name) ?? { stage, us: 0 };
    entry.us += span;
    self.set(name, entry);
  }
  const top = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      [...self.entries()]
        .filter(([, e]) => e.stage === stage)
        .sort((a, b) => b[1].us - a[1].us)
        .slice(0, topN)
        .map(([name, e]) => [name, Math.round(e.us)] as const),
    ]),
  ) as unknown as StageTimes['top'];
  return { stages, top, busyUs, samples };
}

/** The monotonic clock in microseconds, as V8's profiler stamps its samples. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
