/**
 * `acgs release promote <service...> --to green` and `acgs release rollback <service...> --to blue`:
 * blue-green releases on Kubernetes with Istio (docs/deployment.md). Promote moves the
 * VirtualService weights 10 → 50 → 100 with kubectl, waits, and checks the new colour's error rate
 * and p95 in Prometheus between steps, rolling back when either passes its limit. Exit codes: 0
 * promoted (or rolled back on request), 1 a step failed and the release was rolled back, or a tool
 * failed; 2 bad usage.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { SERVICE_NAMES } from '../../kernel/services.js';
import { COLOURS, type Colour, patchArguments, rolloutArguments, runKubectl } from './release-kubectl.js';
import { queryScalar } from './release-prometheus.js';
import { promote, type ReleaseActions, rollback } from './release-run.js';
import { parseServiceName } from './serve.js';

interface CommonFlags {
  to: Colour;
  namespace: string;
  kubectl: string;
}

interface PromoteFlags extends CommonFlags {
  steps: number[];
  wait: number;
  window: number;
  maxErrorRate: number;
  maxP95: number;
  prometheus: string;
  rolloutTimeout: number;
}

/** `all`, or service names; each named once. */
function servicesOf(names: readonly string[]): string[] {
  if (names.length === 1 && names[0] === 'all') return [...SERVICE_NAMES];
  return [...new Set(names.map(parseServiceName))];
}

function parseSteps(value: string): number[] {
  const steps = value.split(',').map((s) => Number(s.trim()));
  const ascending = steps.every(
    (s, i) => Number.isInteger(s) && s > 0 && s <= 100 && (i === 0 || s > steps[i - 1]!),
  );
  if (!ascending || steps.at(-1) !== 100)
    throw new InvalidArgumentError('expected ascending percentages ending at 100, e.g. 10,50,100');
  return steps;
}

function parseSeconds(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('expected a duration such as 30s, 2m or 500ms');
  const n = Number(match[1]);
  const seconds = match[2] === 'ms' ? n / 1000 : match[2] === 'm' ? n * 60 : n;
  if (!(seconds > 0)) throw new InvalidArgumentError('expected a duration above zero');
  return seconds;
}

function parseShare(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError('expected a share from 0 to 1, e.g. 0.01');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function colourOption(): Option {
  return new Option('--to <colour>', 'the colour that gets the traffic')
    .choices(COLOURS)
    .makeOptionMandatory();
}

function actionsFor(flags: CommonFlags & Partial<PromoteFlags>): ReleaseActions {
  return {
    waitForRollout: (service, colour) =>
      runKubectl(
        flags.kubectl,
        rolloutArguments(flags.namespace, service, colour, flags.rolloutTimeout ?? 300),
      ),
    setWeights: (service, weights) =>
      runKubectl(flags.kubectl, patchArguments(flags.namespace, service, weights)),
    query: (promql) => queryScalar(flags.prometheus ?? '', promql),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

export function registerReleaseCommands(program: Command): void {
  const release = program
    .command('release')
    .description(
      'blue-green releases: move Istio weights step by step, judged by Prometheus (docs/deployment.md)',
    );

  release
    .command('promote')
    .description(
      'move traffic to a colour 10 → 50 → 100 %, rolling back when its error rate or p95 passes a limit',
    )
    .argument('<service...>', `services (${SERVICE_NAMES.join(', ')}) or all`)
    .addOption(colourOption())
    .option('-n, --namespace <namespace>', 'the platform namespace', 'acgs')
    .addOption(
      new Option('--steps <percentages>', 'traffic shares for the new colour')
        .argParser(parseSteps)
        .default([10, 50, 100], '10,50,100'),
    )
    .addOption(
      new Option('--wait <duration>', 'how long each step runs before it is judged')
        .argParser(parseSeconds)
        .default(120, '2m'),
    )
    .addOption(
      new Option('--window <duration>', 'the Prometheus window the rates are taken over')
        .argParser(parseSeconds)
        .default(60, '1m'),
    )
    .option('--max-error-rate <share>', 'roll back above this share of 5xx answers', parseShare, 0.01)
    .option('--max-p95 <ms>', 'roll back above this p95 response time', parsePositive, 500)
    .option('--prometheus <url>', 'Prometheus (default ACGS_PROMETHEUS_URL or http://127.0.0.1:9090)')
    .option(
      '--rollout-timeout <seconds>',
      'how long to wait for the new colour to be rolled out',
      parsePositive,
      300,
    )
    .option('--kubectl <command>', 'the kubectl to run', 'kubectl')
    .action(async (names: string[], flags: PromoteFlags) => {
      const prometheus = flags.prometheus ?? process.env.ACGS_PROMETHEUS_URL ?? 'http://127.0.0.1:9090';
      try {
        new URL(prometheus);
      } catch {
        process.stderr.write(`acgs release: --prometheus ${JSON.stringify(prometheus)} is not a URL\n`);
        process.exitCode = 2;
        return;
      }
      const services = servicesOf(names);
      try {
        const result = await promote(
          {
            namespace: flags.namespace,
            services,
            to: flags.to,
            steps: flags.steps,
            waitMs: flags.wait * 1000,
            limits: {
              maxErrorRate: flags.maxErrorRate,
              maxP95Seconds: flags.maxP95 / 1000,
              windowSeconds: Math.round(flags.window),
            },
          },
          actionsFor({ ...flags, prometheus }),
        );
        if (result.outcome === 'promoted') {
          process.stdout.write(
            `promoted ${services.join(', ')} to ${flags.to}: ${result.steps.join(' → ')} %\n`,
          );
          return;
        }
        const reasons = result.verdicts.flatMap((v) => v.problems.map((p) => `${v.service}: ${p}`));
        process.stdout.write(
          `rolled back ${services.join(', ')} at ${result.failedAt} %: ${reasons.join('; ')}\n`,
        );
        process.exitCode = 1;
      } catch (error) {
        process.stderr.write(`acgs release: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  release
    .command('rollback')
    .description('send all traffic of the services to a colour at once')
    .argument('<service...>', `services (${SERVICE_NAMES.join(', ')}) or all`)
    .addOption(colourOption())
    .option('-n, --namespace <namespace>', 'the platform namespace', 'acgs')
    .option('--kubectl <command>', 'the kubectl to run', 'kubectl')
    .action(async (names: string[], flags: CommonFlags) => {
      const services = servicesOf(names);
      try {
        await rollback(services, flags.to, actionsFor(flags));
        process.stdout.write(`rolled back ${services.join(', ')} to ${flags.to}\n`);
      } catch (error) {
        process.stderr.write(`acgs release: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
