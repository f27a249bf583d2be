import { defaultDatabaseUrl } from '../apps/adapters.js';
import { startPlatform } from '../apps/platform.js';
import type { PlatformConfig } from '../kernel/config.js';
import { SERVICES } from '../kernel/services.js';
import { exitOnFatalErrors, flushNow } from '../kit/logger.js';
import { redactUrl } from '../storage/index.js';

/** Starts the platform, prints what runs where, and stops gracefully on SIGTERM or SIGINT (exit 0). */
export async function runUntilSignalled(config: PlatformConfig): Promise<void> {
  const platform = await startPlatform(config);
  exitOnFatalErrors(platform.logger);
  // performance.now() counts from process start: node's own boot and module loading included.
  const ms = Math.round(performance.now());
  const names = config.services.map((name) => `${name} (${SERVICES[name].title})`).join(', ');
  process.stderr.write(
    [
      `ACGS ${config.mode} mode ready in ${ms} ms from process start`,
      `  services: ${names}`,
      `  url:      ${platform.url}`,
      `  data:     ${redactUrl(config.databaseUrl ?? defaultDatabaseUrl(config))}`,
      `  health:   ${platform.url}/health/ready   metrics: ${platform.url}/metrics   API: ${platform.url}/openapi.json`,
      '',
    ].join('\n'),
  );
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`${signal} again: exiting at once\n`);
      process.exit(1);
    }
    signalled = true;
    process.stderr.write(`${signal}: finishing in-flight requests, then stopping\n`);
    platform.stop().then(
      () => {
        flushNow(platform.logger);
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        flushNow(platform.logger);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
