/**
 * How `acgs release` moves traffic: one `kubectl patch` of a service's VirtualService per step.
 * The generated VirtualServices (deploy/kubernetes/mesh) route to subset blue first and green
 * second; the patch tests that before it replaces the weights, so a hand-edited route is refused
 * instead of mis-weighted.
 */
import { spawn } from 'node:child_process';

export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];

export type Weights = Readonly<Record<Colour, number>>;

/** `percent` of the traffic to `colour`, the rest to the other one. */
export function weightsFor(colour: Colour, percent: number): Weights {
  return colour === 'blue'
    ? { blue: percent, green: 100 - percent }
    : { blue: 100 - percent, green: percent };
}

/** The kubectl arguments that set a service's weights. */
export function patchArguments(namespace: string, service: string, weights: Weights): string[] {
  const patch = COLOURS.flatMap((colour, index) => [
    { op: 'test', path: `/spec/http/0/route/${index}/destination/subset`, value: colour },
    { op: 'replace', path: `/spec/http/0/route/${index}/weight`, value: weights[colour] },
  ]);
  return [
    '-n',
    namespace,
    'patch',
    'virtualservice',
    `acgs-${service}`,
    '--type=json',
    '-p',
    JSON.stringify(patch),
  ];
}

/** The kubectl arguments that wait until a colour's Deployment has rolled out. */
export function rolloutArguments(
  namespace: string,
  service: string,
  colour: Colour,
  timeoutSeconds: number,
): string[] {
  return [
    '-n',
    namespace,
    'rollout',
    'status',
    `deployment/acgs-${service}-${colour}`,
    `--timeout=${timeoutSeconds}s`,
  ];
}

/** Runs kubectl (found on PATH, or the given command); rejects with its stderr when it fails. */
export function runKubectl(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.slice(0, 5).join(' ')} failed (${code}): ${stderr.trim()}`)),
    );
  });
}
