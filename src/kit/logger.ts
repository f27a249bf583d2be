import pino, { type Logger } from 'pino';
import type { LogLevel } from '../kernel/config.js';

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
  /** Where lines go; defaults to stdout, written asynchronously in 4 KiB chunks. */
  readonly destination?: pino.DestinationStream;
}

/** JSON lines on stdout: one object per line, ISO time, secrets redacted. Call `flush()` before exit. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  return pino(
    {
      level: options.level,
      base: options.base,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
