import type { Bindings, ChildLoggerOptions, Level, LevelWithSilent, Logger } from 'pino';

type LogMethod = (...args: unknown[]) => void;

/**
 * A request's logger that creates its pino child (with the request id bound) only when a line is
 * actually written at an enabled level. Most successful requests write nothing, and creating a
 * child per request was a measurable share of the kit's cost.
 */
export class LazyRequestLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilent | string {
    return this.parent.level;
  }

  set level(level: LevelWithSilent | string) {
    this.#resolve().level = level;
  }

  isLevelEnabled(level: LevelWithSilent | string): boolean {
    return this.#enabled(level);
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}

  /** Stays lazy: Fastify derives each request's logger from a per-route one. */
  child(bindings: Bindings, options?: ChildLoggerOptions): LazyRequestLogger {
    const merged = Object.keys(this.bindings).length === 0 ? bindings : { ...this.bindings, ...bindings };
    return new LazyRequestLogger(
      this.parent,
      merged,
      options ? { ...this.options, ...options } : this.options,
    );
  }

  #enabled(level: string): boolean {
    const own = this.options.level;
    if (own === undefined) return this.parent.isLevelEnabled(level);
    const values = this.parent.levels.values;
    return (values[level] ?? 0) >= (values[own] ?? Number.POSITIVE_INFINITY);
  }

  #write(level: Level, args: unknown[]): void {
    if (!this.#enabled(level)) return;
    (this.#resolve()[level] as LogMethod)(...args);
  }

  #resolve(): Logger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }
}

/**
 * The logger handed to Fastify: writes through to pino, and gives each request a
 * LazyRequestLogger as its child. Fastify checks a custom child factory's result on every request;
 * its default factory (`logger.child`) skips that check, so laziness lives here instead.
 */
export class KitLogger {
  constructor(private readonly pino: Logger) {}

  get level(): LevelWithSilent | string {
    return this.pino.level;
  }

  set level(level: LevelWithSilent | string) {
    this.pino.level = level;
  }

  isLevelEnabled(level: LevelWithSilent | string): boolean {
    return this.pino.isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    (this.pino.fatal as LogMethod)(...args);
  }
  error(...args: unknown[]): void {
    (this.pino.error as LogMethod)(...args);
  }
  warn(...args: unknown[]): void {
    (this.pino.warn as LogMethod)(...args);
  }
  info(...args: unknown[]): void {
    (this.pino.info as LogMethod)(...args);
  }
  debug(...args: unknown[]): void {
    (this.pino.debug as LogMethod)(...args);
  }
  trace(...args: unknown[]): void {
    (this.pino.trace as LogMethod)(...args);
  }
  silent(): void {}

  child(bindings: Bindings, options: ChildLoggerOptions = {}): LazyRequestLogger {
    return new LazyRequestLogger(this.pino, bindings, options);
  }
}
