/**
 * One call of a CLI command to a running platform's HTTP API, as an admin or author: the bearer
 * token from `--token` or ACGS_TOKEN, the platform from `--url` or ACGS_URL (default
 * http://127.0.0.1:8080). Problems are printed the way the platform gave them (status, code,
 * detail, then each field error) and turned into the command's exit code: 2 when the token is
 * missing or refused (401, 403), 1 for any other refusal or when the platform does not answer.
 */
import type { FieldError } from '../../kernel/errors.js';
import type { CommandIo } from './policy.js';

export interface PlatformTarget {
  readonly url?: string;
  readonly token?: string;
}

export interface PlatformCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  /** Whose token the call needs, for the message when there is none (e.g. `an admin`). */
  readonly tokenOf: string;
  /** Writes a field error of the answer (default: `  <pointer>: <detail>`). */
  readonly describeError?: (error: FieldError) => string;
}

export type PlatformAnswer =
  | { readonly ok: true; readonly status: number; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly exitCode: 1 | 2 };

const TIMEOUT_MS = 30_000;

export async function callPlatform(
  command: string,
  target: PlatformTarget,
  call: PlatformCall,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PlatformAnswer> {
  const token = target.token ?? env.ACGS_TOKEN;
  if (token === undefined || token === '') {
    io.err(`${command}: needs the bearer token of ${call.tokenOf} (--token or ACGS_TOKEN)`);
    return { ok: false, exitCode: 2 };
  }
  const base = target.url ?? env.ACGS_URL ?? 'http://127.0.0.1:8080';
  let response: Response;
  try {
    response = await fetch(new URL(call.path, base), {
      method: call.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    io.err(`${command}: ${base} did not answer (${(error as Error).message})`);
    return { ok: false, exitCode: 1 };
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return { ok: true, status: response.status, body };
  io.err(
    `${command}: ${response.status} ${String(body.code ?? '')}: ${String(body.detail ?? response.statusText)}`,
  );
  const describe = call.describeError ?? ((e: FieldError) => `  ${e.pointer}: ${e.detail}`);
  for (const e of (body.errors as FieldError[] | undefined) ?? []) io.err(describe(e));
  return { ok: false, exitCode: response.status === 401 || response.status === 403 ? 2 : 1 };
}

/** `callPlatform`, then `show` the answer's body: the exit code of a command that is one call. */
export async function runPlatformCall(
  command: string,
  target: PlatformTarget,
  call: PlatformCall,
  io: CommandIo,
  env: NodeJS.ProcessEnv,
  show: (body: Record<string, unknown>) => void,
): Promise<number> {
  const answer = await callPlatform(command, target, call, io, env);
  if (!answer.ok) return answer.exitCode;
  show(answer.body);
  return 0;
}

/** `runPlatformCall` whose answer is printed as indented JSON (the council and review commands). */
export function runPlatformJson(
  command: string,
  target: PlatformTarget,
  call: PlatformCall,
  io: CommandIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  return runPlatformCall(command, target, call, io, env, (body) => io.out(JSON.stringify(body, null, 2)));
}
