/**
 * `acgs mcp-gateway --config <file>`: the MCP gateway (docs/mcp-gateway.md), on stdio (default:
 * an IDE or agent starts it as its MCP server) or Streamable HTTP (`--http`). Its API key
 * (`ACGS_API_KEY`) carries the principal the decisions are about; `ACGS_GATEWAY_TOKEN` is the
 * bearer token HTTP clients must present.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { AcgsClient } from '../../../packages/acgs-client/src/index.js';
import { listenUntilSignal, loadOrExplain } from '../../integrations/listen-until-signal.js';
import { loadGatewayConfig } from '../../integrations/mcp-gateway/gateway-config.js';
import { createGatewayHttpServer } from '../../integrations/mcp-gateway/gateway-http.js';
import { McpGateway } from '../../integrations/mcp-gateway/mcp-gateway.js';
import { UpstreamPool } from '../../integrations/mcp-gateway/upstream-pool.js';
import { fetchVocabulary } from '../../integrations/platform-vocabulary.js';

interface GatewayOptions {
  config: string;
  url: string;
  http?: boolean;
  host: string;
  port: string;
}

export function registerMcpGatewayCommand(program: Command): void {
  program
    .command('mcp-gateway')
    .description('an MCP server in front of MCP servers: every tool call is decided first')
    .requiredOption('-c, --config <file>', 'upstreams and tool mappings')
    .option('--url <url>', 'the platform', process.env.ACGS_URL ?? 'http://127.0.0.1:8080')
    .option('--http', 'serve Streamable HTTP on --host/--port (default: stdio)')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', '8090')
    .action(async (options: GatewayOptions) => {
      const apiKey = process.env.ACGS_API_KEY;
      const token = process.env.ACGS_GATEWAY_TOKEN;
      if (
        apiKey === undefined ||
        apiKey === '' ||
        (options.http === true && (token === undefined || token.length < 16))
      ) {
        process.stderr.write(
          'acgs mcp-gateway: set ACGS_API_KEY (the agent key) and, with --http, ACGS_GATEWAY_TOKEN (16+ characters)\n',
        );
        process.exitCode = 2;
        return;
      }
      const acgs = new AcgsClient({ url: options.url, apiKey });
      const vocabulary = await fetchVocabulary(acgs);
      const config = loadOrExplain(() => loadGatewayConfig(options.config, vocabulary), 'mcp-gateway');
      if (config === undefined) return;
      const pool = new UpstreamPool(config.upstreams);
      const gateway = new McpGateway(config, pool, acgs);
      try {
        if (options.http === true) {
          await listenUntilSignal(
            createGatewayHttpServer(gateway, token!),
            options.host,
            Number(options.port),
            'mcp-gateway',
          );
        } else {
          const server = gateway.createServer();
          const closed = new Promise<void>((resolve) => {
            server.onclose = () => resolve();
            process.once('SIGTERM', () => resolve());
          });
          await server.connect(new StdioServerTransport());
          process.stderr.write('acgs mcp-gateway ready on stdio\n');
          await closed;
        }
      } finally {
        await pool.close();
      }
    });
}
