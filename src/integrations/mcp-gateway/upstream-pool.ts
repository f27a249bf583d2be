/**
 * The MCP servers behind the gateway: one SDK client per upstream, over stdio (a command the
 * gateway starts, with the credentials from the gateway's environment) or Streamable HTTP (with
 * the headers only the gateway knows). A call on an upstream that dies fails at once: the SDK
 * rejects every pending request when its transport closes, and a closed upstream is reconnected
 * on the next call.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './gateway-config.js';

export class UpstreamPool {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly upstreams: ReadonlyMap<string, UpstreamConfig>,
    private readonly callTimeoutMs = 600_000,
  ) {}

  private connect(upstream: UpstreamConfig): Promise<Client> {
    const existing = this.clients.get(upstream.name);
    if (existing !== undefined) return existing;
    const client = new Client({ name: 'acgs-mcp-gateway', version: '0.1.0' });
    const transport =
      upstream.kind === 'stdio'
        ? new StdioClientTransport({
            command: upstream.command,
            args: [...upstream.args],
            env: { PATH: process.env.PATH ?? '', ...upstream.env },
            stderr: 'inherit',
          })
        : new StreamableHTTPClientTransport(new URL(upstream.url), {
            requestInit: { headers: { ...upstream.headers } },
          });
    client.onclose = () => this.clients.delete(upstream.name);
    const connected = client.connect(transport).then(() => client);
    connected.catch(() => this.clients.delete(upstream.name));
    this.clients.set(upstream.name, connected);
    return connected;
  }

  /** Every upstream's tools, by upstream name. */
  async listTools(): Promise<Map<string, Tool[]>> {
    const out = new Map<string, Tool[]>();
    for (const upstream of this.upstreams.values()) {
      const client = await this.connect(upstream);
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      out.set(upstream.name, tools);
    }
    return out;
  }

  /** Calls a tool on its upstream; rejects when the upstream dies or the call times out. */
  async callTool(upstreamName: string, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const upstream = this.upstreams.get(upstreamName);
    if (upstream === undefined) throw new Error(`no upstream ${upstreamName}`);
    const client = await this.connect(upstream);
    return (await client.callTool({ name, arguments: args }, undefined, {
      timeout: this.callTimeoutMs,
    })) as CallToolResult;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map(async (c) => (await c).close()));
  }
}
