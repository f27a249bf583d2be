/**
 * A TCP proxy in front of a real server, for outage tests: `stop()` drops every connection and
 * stops listening (the server looks down), `start()` listens again on the same port (it is back),
 * `reset()` drops every open connection but keeps listening (a failover, a restarted server).
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `target` with its host and port replaced by the proxy's. */
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resets every open connection; new ones are accepted. */
  reset(): void;
  /** Connections open through the proxy right now. */
  connections(): number;
}

export async function createTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      // No Nagle on either side, like the clients behind it (pg, ioredis and nats set noDelay): the
      // proxy must not hold a small write back for an ACK, a wait no real deployment has.
      const next = createServer({ noDelay: true }, (client) => {
        const upstream = connect({ host: target.hostname, port: targetPort, noDelay: true });
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
          socket.on('close', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });

  await listen();
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    port,
    url: url.toString(),
    start: listen,
    reset() {
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    connections: () => sockets.size / 2,
    async stop() {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
