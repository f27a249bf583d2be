/**
 * The load-test scenarios of the assessment (baseline, peak, stress, spike, endurance): how many
 * concurrent users, for how long, in which phases. `--users` scales the user counts (the spike's
 * peak is `--users`, its quiet phase a thirtieth of it); `--duration` the total time.
 */
export const SCENARIO_NAMES = ['baseline', 'peak', 'stress', 'spike', 'endurance'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface LoadPhase {
  readonly name: string;
  readonly users: number;
  readonly seconds: number;
}

interface Preset {
  readonly users: number;
  readonly seconds: number;
  readonly description: string;
}

export const PRESETS: Readonly<Record<ScenarioName, Preset>> = {
  baseline: { users: 1000, seconds: 300, description: 'normal load: 1,000 concurrent users' },
  peak: { users: 2000, seconds: 300, description: 'peak hours: 2,000 concurrent users' },
  stress: { users: 5000, seconds: 300, description: 'stress: 5,000 concurrent users' },
  spike: { users: 3000, seconds: 120, description: 'spike: from (almost) nothing to 3,000 users at once' },
  endurance: { users: 1500, seconds: 1800, description: 'endurance: 1,500 users sustained' },
};

/** `30s`, `5m`, `1h`, `90` (seconds) → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null)
    throw new Error(`expected a duration such as 30s, 5m or 1h, got ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const seconds =
    unit === 'ms' ? value / 1000 : unit === 's' ? value : unit === 'm' ? value * 60 : value * 3600;
  if (!(seconds >= 1)) throw new Error(`a load test runs for at least 1 s, got ${JSON.stringify(text)}`);
  return seconds;
}

export function phasesOf(name: ScenarioName, users?: number, seconds?: number): LoadPhase[] {
  const preset = PRESETS[name];
  const u = users ?? preset.users;
  const s = seconds ?? preset.seconds;
  if (name === 'spike') {
    const quiet = Math.max(1, Math.round(s / 3));
    return [
      { name: 'quiet', users: Math.max(1, Math.round(u / 30)), seconds: quiet },
      { name: 'spike', users: u, seconds: Math.max(1, s - quiet) },
    ];
  }
  return [{ name, users: u, seconds: s }];
}
