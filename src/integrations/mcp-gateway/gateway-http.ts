/**
 * The gateway over Streamable HTTP (stateless: each POST gets its own MCP server and transport).
 * Clients must send `Authorization: Bearer <ACGS_GATEWAY_TOKEN>`: whoever connects acts as the
 * gateway's principal, so the endpoint is never open.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpGateway } from './mcp-gateway.js';

const MAX_BODY = 4 * 1024 * 1024;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reply(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** An HTTP server answering MCP on `path` (default /mcp). */
export function createGatewayHttpServer(gateway: McpGateway, token: string, path = '/mcp'): Server {
  return createServer((request, response) => {
    void (async () => {
      if ((request.url ?? '').split('?')[0] !== path) return reply(response, 404, 'not found');
      const auth = request.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameSecret(auth.slice(7), token)) {
        response.setHeader('www-authenticate', 'Bearer');
        return reply(response, 401, 'a bearer token is required');
      }
      if (request.method !== 'POST') return reply(response, 405, 'stateless gateway: POST only');
      let body: unknown;
      try {
        body = await readJson(request);
      } catch {
        return reply(response, 400, 'the body is not JSON');
      }
      const server = gateway.createServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request, response, body);
    })().catch(() => {
      if (!response.headersSent) reply(response, 500, 'gateway error');
    });
  });
}
