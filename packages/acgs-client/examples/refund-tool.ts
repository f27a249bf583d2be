/**
 * An agent's refund tool, governed: the same guarded function in the Vercel AI SDK's tool shape
 * (`tool({ description, parameters, execute })`) and LangChain.js's (`{ name, description, schema,
 * func }`). Shapes only: pass these objects to `tool()` / `new DynamicStructuredTool()`; no SDK is
 * needed to run this file.
 *
 *   ACGS_URL=http://127.0.0.1:8080 ACGS_API_KEY=<agent key> node dist/packages/acgs-client/examples/refund-tool.js
 */
import { AcgsClient, DecisionDeniedError, guard } from '../src/index.js';

interface RefundArgs {
  readonly orderId: string;
  readonly amount: number;
}

const acgs = new AcgsClient({
  url: process.env.ACGS_URL ?? 'http://127.0.0.1:8080',
  apiKey: process.env.ACGS_API_KEY ?? '',
});

/** The real work: only ever reached through the guard. */
async function issueRefund(args: RefundArgs): Promise<string> {
  return `refunded ${args.amount} EUR on ${args.orderId}`;
}

const governedRefund = guard(acgs, issueRefund, (args: RefundArgs) => ({
  action: { type: 'issue_refund', amount: args.amount, currency: 'EUR' },
  resource: { type: 'order', id: args.orderId },
}));

/** JSON Schema of the arguments (both SDKs accept one; zod works the same way). */
const parameters = {
  type: 'object',
  properties: { orderId: { type: 'string' }, amount: { type: 'number' } },
  required: ['orderId', 'amount'],
} as const;

/** Vercel AI SDK: `tools: { issueRefund: tool(vercelTool) }`. */
export const vercelTool = {
  description: 'Refund an order (governed by ACGS: over-limit refunds wait for a human reviewer)',
  parameters,
  execute: governedRefund,
};

/** LangChain.js: `new DynamicStructuredTool(langchainTool)`; a denial becomes the tool's answer. */
export const langchainTool = {
  name: 'issue_refund',
  description: vercelTool.description,
  schema: parameters,
  func: async (args: RefundArgs) => {
    try {
      return await governedRefund(args);
    } catch (error) {
      if (error instanceof DecisionDeniedError) return `refused by policy: ${error.message}`;
      throw error;
    }
  },
};

if (process.argv[1]?.endsWith('refund-tool.js')) {
  console.log(await langchainTool.func({ orderId: 'o-1', amount: 40 }));
  console.log(await langchainTool.func({ orderId: 'o-2', amount: 9000 }));
}
