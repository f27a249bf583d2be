import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LOGGER = fileURLToPath(new URL('./logger.js', import.meta.url));

/** Runs a script that imports the compiled logger; resolves with its stdout and exit. */
function runChild(body: string, killOnOutputWithinMs?: number) {
  const script = `import { createLogger, exitOnFatalErrors } from ${JSON.stringify(LOGGER)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Killed once a line arrives (it was written while the process lived), or after the wait.
  const kill = () => child.kill('SIGKILL');
  child.stdout.on('data', (chunk) => {
    out += String(chunk);
    if (killOnOutputWithinMs !== undefined) setTimeout(kill, 100);
  });
  if (killOnOutputWithinMs !== undefined) setTimeout(kill, killOnOutputWithinMs);
  return new Promise<{ out: string; code: number | null; signal: string | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ out, code, signal })),
  );
}

test('a line is written at once, not held until 4 KiB accumulate: a process killed later still shows it', async () => {
  const { out, signal } = await runChild(
    `const logger = createLogger({ level: 'info', base: { service: 't' } });
     logger.warn('signing key kept in the database');
     setInterval(() => {}, 1000);`,
    10_000,
  );
  assert.equal(signal, 'SIGKILL');
  const lines = out.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, out);
  assert.equal(JSON.parse(lines[0]!).msg, 'signing key kept in the database');
});

test('an uncaught exception is logged at fatal, flushed, and the process exits 1', async () => {
  const { out, code } = await runChild(
    `const logger = createLogger({ level: 'info', base: { service: 't' } });
     exitOnFatalErrors(logger);
     for (let i = 0; i < 50; i++) logger.info({ i }, 'line');
     setTimeout(() => { throw new Error('boom'); }, 0);`,
  );
  assert.equal(code, 1);
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string; level: string; err?: { message: string } });
  assert.equal(lines.length, 51);
  // An asynchronous write still in flight in libuv's pool may land after the synchronously flushed
  // fatal line, so the fatal line is somewhere among the 51, not necessarily last.
  const fatal = lines.filter((line) => line.level === 'fatal');
  assert.equal(fatal.length, 1);
  assert.equal(fatal[0]!.err?.message, 'boom');
});
