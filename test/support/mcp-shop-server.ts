/**
 * A real MCP server (official SDK, stdio) for the gateway's tests: a shop with refunds, marketing,
 * an order lookup and a tool that kills the server mid-call. Every call that reaches it is
 * appended to $CALLS_FILE; it refuses to start without the credential $SHOP_TOKEN (which only
 * the gateway holds).
 */
import { appendFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

if (process.env.SHOP_TOKEN !== 'shop-secret-token') {
  process.stderr.write('shop: SHOP_TOKEN missing or wrong\n');
  process.exit(3);
}
const callsFile = process.env.CALLS_FILE ?? '/dev/null';
const object = (properties: Record<string, unknown>) => ({ type: 'object' as const, properties });
const server = new Server({ name: 'shop', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: 'issue_refund',
      description: 'Refund an order',
      inputSchema: object({ orderId: { type: 'string' }, amount: { type: 'number' } }),
    },
    {
      name: 'send_marketing',
      description: 'Send a campaign',
      inputSchema: object({ customerId: { type: 'string' } }),
    },
    {
      name: 'lookup_order',
      description: 'Read an order',
      inputSchema: object({ orderId: { type: 'string' } }),
    },
    { name: 'crash', description: 'Dies mid-call', inputSchema: object({}) },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  appendFileSync(
    callsFile,
    `${JSON.stringify({ name: request.params.name, arguments: request.params.arguments })}\n`,
  );
  if (request.params.name === 'crash') setTimeout(() => process.exit(1), 50);
  if (request.params.name === 'crash') return new Promise(() => {});
  return {
    content: [
      { type: 'text', text: `shop did ${request.params.name} ${JSON.stringify(request.params.arguments)}` },
    ],
  };
});
await server.connect(new StdioServerTransport());
