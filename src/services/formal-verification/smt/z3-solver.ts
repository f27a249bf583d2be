/**
 * The Z3 adapter (the `z3-solver` package: Z3 compiled to WebAssembly). Z3 runs its checks on
 * its own pthread worker, so the event loop keeps serving requests while a query is solved.
 * Z3's module is loaded once per process, on first use (~0.3 s); its async calls are run one at
 * a time, as the WebAssembly build requires.
 */
import type { Solver, SolverSession } from './solver.js';

type Z3Low = Awaited<ReturnType<typeof import('z3-solver')['init']>>['Z3'];

/** The parts of the Emscripten module the adapter uses directly. */
interface Emscripten {
  _malloc(size: number): number;
  _free(ptr: number): void;
  readonly HEAPU8: Uint8Array;
  _async_Z3_eval_smtlib2_string(ctx: unknown, text: number): void;
  async_call(f: (...args: unknown[]) => void, ...args: unknown[]): Promise<string>;
}

interface Z3Module {
  readonly Z3: Z3Low;
  readonly em: Emscripten;
}

let module: Promise<Z3Module> | undefined;
let queue: Promise<unknown> = Promise.resolve();

function z3(): Promise<Z3Module> {
  module ??= import('z3-solver').then(async ({ init }) => {
    const { Z3, em } = await init();
    // One solver character per UTF-16 code unit (see smt-text.ts): characters up to U+FFFF only.
    Z3.global_param_set('encoding', 'bmp');
    return { Z3, em: em as unknown as Emscripten };
  });
  return module;
}

/**
 * `Z3.eval_smtlib2_string` of z3-solver 4.16 passes the script on the caller's stack, which is
 * released while Z3's thread still reads it (the script arrives corrupted under load). We copy the
 * script to the heap and free it only once Z3 has answered.
 */
async function evalScript(em: Emscripten, ctx: unknown, text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const ptr = em._malloc(bytes.length + 1);
  try {
    em.HEAPU8.set(bytes, ptr);
    em.HEAPU8[ptr + bytes.length] = 0;
    return await em.async_call(em._async_Z3_eval_smtlib2_string as (...args: unknown[]) => void, ctx, ptr);
  } finally {
    em._free(ptr);
  }
}

function serialized<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job);
  queue = next.catch(() => undefined);
  return next;
}

/** The Z3 solver; `open()` creates a fresh Z3 context per session. */
export const z3Solver: Solver = {
  name: 'z3 4.16.0',
  async open(): Promise<SolverSession> {
    const { Z3, em } = await z3();
    const config = Z3.mk_config();
    const ctx = Z3.mk_context_rc(config);
    Z3.del_config(config);
    let closed = false;
    return {
      run: (commands) =>
        serialized(async () => {
          if (closed) throw new Error('solver session is closed');
          let out = '';
          for (const chunk of chunks(commands)) out += await evalScript(em, ctx, chunk);
          return out;
        }),
      close() {
        if (closed) return;
        closed = true;
        void serialized(async () => Z3.del_context(ctx));
      },
    };
  },
};

/** Starts loading Z3 now (e.g. at service start) so the first verification does not wait for it. */
export function preloadZ3(): Promise<void> {
  return z3().then(() => undefined);
}

/** Largest text handed to Z3 in one call: longer strings are cut short by the WebAssembly binding. */
const CHUNK = 16_000;

/** Splits a script at line ends (each command of ours is one line) into calls of at most CHUNK characters. */
function chunks(commands: string): string[] {
  if (commands.length <= CHUNK) return [commands];
  const out: string[] = [];
  let current = '';
  for (const line of commands.split('\n')) {
    if (line.length > CHUNK)
      throw new Error(`one solver command has ${line.length} characters; the limit is ${CHUNK}`);
    if (current.length + line.length + 1 > CHUNK) {
      out.push(current);
      current = '';
    }
    current += `${line}\n`;
  }
  if (current !== '') out.push(current);
  return out;
}
