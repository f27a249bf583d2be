/**
 * The MCP gateway: an MCP server that lists its upstreams' tools as its own and decides every
 * `tools/call` before forwarding it. allow → the upstream's result; deny → an MCP tool error with
 * the reasons and the decision id (the upstream never sees the call); review → the call is held
 * until the council's reviewer resolves it or the wait ends. A tool the mapping does not name is
 * denied (and hidden) unless the file says `unmapped: allow`; `tools/list` also hides the tools
 * whose action no policy could ever allow to the gateway's principal (tool-visibility.ts).
 * Decisions go through the PGC as usual, so each is in the log.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  AcgsAuthError,
  type AcgsClient,
  AcgsRequestError,
  type Decision,
  ReviewTimeoutError,
} from '../../../packages/acgs-client/src/index.js';
import { type GatewayConfig, type ToolMapping, toolCallRequest } from './gateway-config.js';
import {
  couldBeAllowed,
  knownValues,
  type VisibilityPolicy,
  type VisibilityPrincipal,
} from './tool-visibility.js';
import type { UpstreamPool } from './upstream-pool.js';

function toolError(text: string, meta: Record<string, unknown> = {}): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: meta };
}

export class McpGateway {
  /** Which upstream serves each tool the clients may see, from the last listing. */
  private readonly routes = new Map<string, string>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly pool: UpstreamPool,
    private readonly acgs: AcgsClient,
  ) {}

  /** Whether a mapped tool could ever be allowed to the gateway's principal (tool-visibility.ts). */
  private async visibility(): Promise<(mapping: ToolMapping) => boolean> {
    const me = await this.acgs.call<{ subject: string; kind: string; boundPrincipal?: VisibilityPrincipal }>(
      'GET',
      '/api/v1/auth/me',
    );
    const principal = me.boundPrincipal ?? {
      id: me.subject,
      type: me.kind === 'service' ? 'agent' : 'human',
      roles: [],
    };
    const active = await this.acgs.call<{ bundleId: string }>('GET', '/api/v1/policies/bundles/active');
    const bundle = await this.acgs.call<{ policies: VisibilityPolicy[] }>(
      'GET',
      `/api/v1/policies/bundles/${active.bundleId}`,
    );
    const constitution = await this.acgs.call<{ document: { defaultDecision?: string } }>(
      'GET',
      '/api/v1/constitution/active',
    );
    const defaultDecision = constitution.document.defaultDecision ?? 'deny';
    return (mapping) => {
      if (mapping.actionType === undefined) return true;
      const literals = mapping.rules.flatMap((rule): [string, unknown][] =>
        'literal' in rule.value ? [[rule.path, rule.value.literal]] : [],
      );
      return couldBeAllowed(
        bundle.policies,
        mapping.actionType,
        knownValues(principal, literals),
        defaultDecision,
      );
    };
  }

  /** The tools this principal may see. */
  async listTools(): Promise<Tool[]> {
    const [byUpstream, couldUse] = await Promise.all([this.pool.listTools(), this.visibility()]);
    const visible: Tool[] = [];
    this.routes.clear();
    for (const [upstream, tools] of byUpstream) {
      for (const tool of tools) {
        const mapping = this.config.tools.get(tool.name);
        if (mapping === undefined) {
          if (this.config.unmapped === 'deny') continue;
        } else {
          if (mapping.upstream !== upstream || !couldUse(mapping)) continue;
        }
        if (this.routes.has(tool.name)) continue;
        this.routes.set(tool.name, upstream);
        visible.push(tool);
      }
    }
    return visible;
  }

  /** Decides, then forwards, refuses or holds one call. Never throws: failures are tool errors. */
  async callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const mapping = this.config.tools.get(name);
    if (mapping === undefined) {
      if (this.config.unmapped === 'deny')
        return toolError(`tool ${name} is not mapped to a decision: denied`);
      if (this.routes.size === 0) await this.listTools();
      const upstream = this.routes.get(name);
      return upstream === undefined
        ? toolError(`no upstream offers tool ${name}`)
        : this.forward(upstream, name, args);
    }
    let decision: Decision;
    try {
      decision = await this.acgs.decide(toolCallRequest(mapping, args) as never);
    } catch (error) {
      const code =
        error instanceof AcgsRequestError || error instanceof AcgsAuthError ? error.code : 'unavailable';
      return toolError(`the call could not be decided (${code}): not forwarded`, { 'acgs/error': code });
    }
    const meta = {
      'acgs/decisionId': decision.decisionId,
      'acgs/decision': decision.decision,
      'acgs/reasons': decision.reasons,
    };
    if (decision.decision === 'deny')
      return toolError(
        `denied by policy (decision ${decision.decisionId}): ${decision.reasons.join('; ') || 'no reason given'}`,
        meta,
      );
    if (decision.decision === 'review') {
      try {
        const outcome = await this.acgs.waitForReview(decision.decisionId, {
          timeoutMs: this.config.reviewTimeoutSeconds * 1000,
        });
        if (outcome.decision !== 'allow')
          return toolError(
            `denied on review (decision ${decision.decisionId}, ${outcome.via ?? 'reviewer'})`,
            {
              ...meta,
              'acgs/review': outcome,
            },
          );
      } catch (error) {
        const why =
          error instanceof ReviewTimeoutError
            ? 'the review is still pending'
            : 'the review could not be read';
        return toolError(`held for review (decision ${decision.decisionId}): ${why}; not forwarded`, meta);
      }
    }
    const result = await this.forward(mapping.upstream, name, args);
    return { ...result, _meta: { ...result._meta, ...meta } };
  }

  private async forward(
    upstream: string,
    name: string,
    args: Record<string, unknown>,
  ): Promise<CallToolResult> {
    try {
      return await this.pool.callTool(upstream, name, args);
    } catch (error) {
      return toolError(
        `upstream ${upstream} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** An MCP server (one per client connection) answering from this gateway. */
  createServer(): Server {
    const server = new Server(
      { name: 'acgs-mcp-gateway', version: '0.1.0' },
      { capabilities: { tools: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await this.listTools() }));
    server.setRequestHandler(CallToolRequestSchema, async (request) =>
      this.callTool(request.params.name, (request.params.arguments ?? {}) as Record<string, unknown>),
    );
    return server;
  }
}
