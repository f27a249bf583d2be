/** Serves until SIGTERM/SIGINT, printing the `url:` banner the platform's own commands print. */
import type { Server } from 'node:http';

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
