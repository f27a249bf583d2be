/**
 * The MCP gateway's configuration file: the upstream MCP servers it fronts (stdio commands or
 * Streamable HTTP URLs, with the credentials only the gateway holds) and, per tool, the decision
 * request a call becomes. Checked against the constitution's vocabulary at start: an unknown
 * attribute refuses to start with `file:line:column`.
 *
 * @example
 * upstreams:
 *   shop: { command: node, args: [shop-server.js], env: { SHOP_TOKEN: { fromEnv: SHOP_TOKEN } } }
 *   docs: { url: "http://127.0.0.1:9000/mcp", headers: { authorization: { fromEnv: DOCS_AUTH } } }
 * tools:
 *   issue_refund:
 *     upstream: shop
 *     request:
 *       action: { type: issue_refund, amount: { from: arg:amount } }
 *       resource: { type: order, id: { from: arg:orderId } }
 * unmapped: deny
 */
import { readFileSync } from 'node:fs';
import type { Vocabulary } from '../../policy/vocabulary-parser.js';
import { type AttributeRule, MappingSource, readAttributeBlock, setPath } from '../attribute-mapping.js';

const TOOL_SOURCES = new Set(['arg', 'tool']);

export type UpstreamConfig =
  | {
      readonly name: string;
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
    }
  | {
      readonly name: string;
      readonly kind: 'http';
      readonly url: string;
      readonly headers: Readonly<Record<string, string>>;
    };

export interface ToolMapping {
  readonly tool: string;
  readonly upstream: string;
  readonly rules: readonly AttributeRule[];
  readonly actionType: string | undefined;
}

export interface GatewayConfig {
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>;
  readonly tools: ReadonlyMap<string, ToolMapping>;
  /** Tools the file does not map: `deny` (default; hidden and refused) or `allow` (passed through undecided). */
  readonly unmapped: 'deny' | 'allow';
  /** The longest a call waits for a human review (seconds; default 600). */
  readonly reviewTimeoutSeconds: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` or `{fromEnv: NAME}` (a secret the gateway reads from its own environment). */
function secretMap(
  source: MappingSource,
  value: unknown,
  pointer: string,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  if (!isRecord(value)) {
    source.report(pointer, 'expected a map of names to values or {fromEnv: NAME}');
    return out;
  }
  for (const [name, spec] of Object.entries(value)) {
    if (typeof spec === 'string') out[name] = spec;
    else if (isRecord(spec) && typeof spec.fromEnv === 'string') {
      const secret = env[spec.fromEnv];
      if (secret === undefined)
        source.report(`${pointer}/${name}`, `environment variable ${spec.fromEnv} is not set`);
      else out[name] = secret;
    } else source.report(`${pointer}/${name}`, 'expected a string or {fromEnv: NAME}');
  }
  return out;
}

function readUpstream(
  source: MappingSource,
  name: string,
  spec: unknown,
  env: NodeJS.ProcessEnv,
): UpstreamConfig | undefined {
  const at = `/upstreams/${name}`;
  if (!isRecord(spec)) {
    source.report(at, 'an upstream is {command, args?, env?} or {url, headers?}');
    return undefined;
  }
  if (typeof spec.command === 'string') {
    const args = spec.args ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      source.report(`${at}/args`, 'args: a list of strings');
      return undefined;
    }
    return {
      name,
      kind: 'stdio',
      command: spec.command,
      args,
      env: secretMap(source, spec.env, `${at}/env`, env),
    };
  }
  if (typeof spec.url === 'string' && /^https?:\/\//.test(spec.url))
    return {
      name,
      kind: 'http',
      url: spec.url,
      headers: secretMap(source, spec.headers, `${at}/headers`, env),
    };
  source.report(at, 'an upstream needs a command (stdio) or an http(s) url (Streamable HTTP)');
  return undefined;
}

/** Reads and checks the gateway's file; throws `MappingError` listing every problem with file:line:column. */
export function loadGatewayConfig(
  file: string,
  vocabulary: Vocabulary,
  text = readFileSync(file, 'utf8'),
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const source = new MappingSource(file, text);
  source.throwIfProblems();
  const root = isRecord(source.value) ? source.value : {};
  for (const key of Object.keys(root))
    if (!['upstreams', 'tools', 'unmapped', 'reviewTimeoutSeconds'].includes(key))
      source.report(`/${key}`, `unknown field ${key}`);
  const upstreams = new Map<string, UpstreamConfig>();
  if (!isRecord(root.upstreams) || Object.keys(root.upstreams).length === 0)
    source.report('/upstreams', 'upstreams: a map of at least one upstream MCP server');
  else
    for (const [name, spec] of Object.entries(root.upstreams)) {
      const upstream = readUpstream(source, name, spec, env);
      if (upstream !== undefined) upstreams.set(name, upstream);
    }
  const tools = new Map<string, ToolMapping>();
  for (const [tool, spec] of Object.entries(isRecord(root.tools) ? root.tools : {})) {
    const at = `/tools/${tool}`;
    if (!isRecord(spec)) {
      source.report(at, 'a tool mapping is {upstream, request}');
      continue;
    }
    if (typeof spec.upstream !== 'string' || !isRecord(root.upstreams) || !(spec.upstream in root.upstreams))
      source.report(`${at}/upstream`, 'upstream: the name of one of the upstreams');
    const rules = readAttributeBlock(source, spec.request, `${at}/request`, vocabulary, TOOL_SOURCES);
    const type = rules.find((rule) => rule.path === 'action.type');
    if (type === undefined) source.report(`${at}/request`, 'the tool must set action.type');
    const actionType = type !== undefined && 'literal' in type.value ? String(type.value.literal) : undefined;
    tools.set(tool, { tool, upstream: String(spec.upstream), rules, actionType });
  }
  if (root.unmapped !== undefined && root.unmapped !== 'deny' && root.unmapped !== 'allow')
    source.report('/unmapped', 'unmapped: deny or allow');
  const review = root.reviewTimeoutSeconds ?? 600;
  if (!Number.isInteger(review) || (review as number) < 1)
    source.report('/reviewTimeoutSeconds', 'a positive integer');
  source.throwIfProblems();
  return {
    upstreams,
    tools,
    unmapped: root.unmapped === 'allow' ? 'allow' : 'deny',
    reviewTimeoutSeconds: review as number,
  };
}

/** The decision request of one tool call: literals, `arg:<dotted path>` from the arguments, `tool`. */
export function toolCallRequest(
  mapping: ToolMapping,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const rule of mapping.rules) {
    if ('literal' in rule.value) {
      setPath(request, rule.path, rule.value.literal);
      continue;
    }
    const { kind, name } = rule.value.from;
    let value: unknown = kind === 'tool' ? mapping.tool : args;
    if (kind === 'arg')
      for (const segment of name.split('.')) value = isRecord(value) ? value[segment] : undefined;
    if (value !== undefined) setPath(request, rule.path, value);
  }
  return request;
}
