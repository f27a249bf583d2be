/**
 * The container image's HEALTHCHECK: asks this container's ACGS process for /health/live and exits
 * 0 when it answers 200, 1 otherwise. The port is ACGS_PORT when set, otherwise the one the
 * container's command implies (`serve <service>`: that service's port; `up`: 8080), read from
 * PID 1's command line. Run as `node dist/src/cli/container-healthcheck.js`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isServiceName, SERVICES } from '../kernel/services.js';

/** The port `acgs <argv>` listens on when ACGS_PORT is not set. */
export function portFromCommandLine(argv: readonly string[]): number {
  const flag = argv.findIndex((a) => a === '-p' || a === '--port');
  if (flag >= 0 && /^\d+$/.test(argv[flag + 1] ?? '')) return Number(argv[flag + 1]);
  const serve = argv.indexOf('serve');
  const service = serve >= 0 ? argv[serve + 1] : undefined;
  if (service !== undefined && isServiceName(service)) return SERVICES[service].defaultPort;
  return 8080;
}

/** Exit code of one health check against 127.0.0.1:`port`. */
export async function checkLive(port: number, timeoutMs = 2500): Promise<0 | 1> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/live`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

function pidOneArguments(): string[] {
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const fromEnv = process.env.ACGS_PORT;
  const port =
    fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : portFromCommandLine(pidOneArguments());
  process.exitCode = await checkLive(port);
}
