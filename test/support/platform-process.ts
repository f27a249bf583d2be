/** Runs `acgs` as a child process for end-to-end tests, the way an operator would. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'src',
  'cli',
  'main.js',
);

export interface PlatformProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Milliseconds from spawn to the ready banner. */
  readonly startupMs: number;
  stderr(): string;
  stdout(): string;
  /** Sends SIGTERM and resolves with the exit code and how long the exit took. */
  terminate(): Promise<{ code: number | null; ms: number }>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Spawns `acgs <args>` and waits for the `url:` line of its ready banner. */
export async function startAcgs(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  // Only stops a hang: start-up on a machine whose cores are taken can take many seconds.
  timeoutMs = 120_000,
  /** Another build's CLI (a benchmark comparing two builds), and flags for node (`--cpu-prof`). */
  { cli = CLI, nodeArgs = [] }: { readonly cli?: string; readonly nodeArgs?: readonly string[] } = {},
): Promise<PlatformProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => {
    out += String(chunk);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`acgs ${args.join(' ')} not ready in ${timeoutMs} ms:\n${err}`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`acgs ${args.join(' ')} exited with ${code}:\n${err}`));
    });
    child.stderr!.on('data', (chunk) => {
      err += String(chunk);
      const match = /^\s*url:\s+(\S+)/m.exec(err);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    });
  });
  const startupMs = performance.now() - started;
  return {
    child,
    url,
    startupMs,
    stderr: () => err,
    stdout: () => out,
    terminate: () =>
      new Promise((resolveExit) => {
        const sent = performance.now();
        if (child.exitCode !== null) return resolveExit({ code: child.exitCode, ms: 0 });
        child.once('exit', (code) => resolveExit({ code, ms: performance.now() - sent }));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `acgs <args>` to completion. */
export function runAcgs(args: readonly string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Polls `url` until `accept(response)` holds, or fails after `timeoutMs`. */
export async function waitFor(
  url: string,
  accept: (response: Response, body: string) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await response.text();
      if (accept(response, body)) return { response, body };
      last = `${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never satisfied the condition; last: ${last}`);
}
