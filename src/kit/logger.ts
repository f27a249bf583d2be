import pino, { type Logger } from 'pino';
import type { LogLevel } from '../kernel/config.js';
import { activeTraceFields } from './trace-context.js';

/** Paths never written to a log, whatever a caller passes in. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
  '*.totp',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly base: Readonly<Record<string, string>>;
  /**
   * Where lines go; defaults to stdout, each line handed to the kernel as soon as the previous
   * write finished (no buffering up to a size, so a quiet service's lines show at once and a
   * killed process loses at most the line being written).
   */
  readonly destination?: pino.DestinationStream;
}

/** JSON lines on stdout: one object per line, ISO time, secrets redacted. Call `flush()` before exit. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 });
  return pino(
    {
      level: options.level,
      base: options.base,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      // Lines written inside a traced request or event carry its trace and span ids.
      mixin: activeTraceFields,
    },
    destination,
  );
}

/**
 * Logs an uncaught exception or unhandled rejection at fatal, writes out every buffered line and
 * exits 1: the line saying why a process died must not die with it. Returns a function that
 * removes the handlers.
 */
export function exitOnFatalErrors(logger: Logger, exit: (code: number) => void = process.exit): () => void {
  const onFatal = (error: unknown, origin: string) => {
    try {
      logger.fatal({ err: error, origin }, 'fatal error; exiting');
      flushNow(logger);
    } finally {
      exit(1);
    }
  };
  const onException = (error: Error, origin: string) => onFatal(error, origin);
  const onRejection = (reason: unknown) => onFatal(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

/** Writes buffered lines synchronously (a pino destination's `flushSync`, where it has one). */
export function flushNow(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { flushSync?: () => void }
    | undefined;
  try {
    stream?.flushSync?.();
  } catch {
    // Nothing written yet (sonic-boom not ready) or the pipe is gone: nothing more to do.
  }
}
