/** Serves until SIGTERM/SIGINT, printing the `url:` banner the platform's own commands print. */
import type { Server } from 'node:http';
import { MappingError } from './attribute-mapping.js';

export async function listenUntilSignal(
  server: Server,
  host: string,
  port: number,
  name: string,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  process.stderr.write(`acgs ${name} ready\n  url: http://${host}:${bound}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** Runs a mapping loader; a `MappingError` is printed (one `file:line:column: problem` a line) and exit code 2 set. */
export function loadOrExplain<T>(load: () => T, name: string): T | undefined {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    process.stderr.write(`acgs ${name}: the mapping is refused:\n${error.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}
