/**
 * A scripted fake language-model server on loopback, for the synthesis providers' tests: the one
 * thing that cannot run here is a hosted model. It speaks both dialects the providers use, the
 * OpenAI chat-completions API (`POST /v1/chat/completions`) and the Anthropic Messages API
 * (`POST /v1/messages`), so the product's clients (the official SDKs) run their real code path.
 * Each request takes the next scripted answer: a policy set as JSON text (a tool call for
 * Anthropic), plain text, or an HTTP error with headers, optionally after a delay.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  /** The model's content: a policy set's JSON (or broken text). */
  readonly content?: string;
  /** Anthropic only: answer in a text block instead of calling the policy-set tool. */
  readonly asText?: boolean;
  /** An error status instead of an answer. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The model declines: OpenAI's `message.refusal` (no content), Anthropic's `stop_reason: "refusal"` (no blocks). */
  readonly refusal?: string;
  /** The answer stops at the token limit: `finish_reason: "length"` / `stop_reason: "max_tokens"`. */
  readonly cutOff?: boolean;
  /** With `status`: the error's message quotes the credential the request carried (as some proxies do). */
  readonly echoKey?: boolean;
  /** Send the headers and the start of the body, then nothing more (a server that stalls mid-answer). */
  readonly stallBody?: boolean;
  /** Wait this long before answering (a slow or hung model). */
  readonly delayMs?: number;
}

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    readonly model: string;
    readonly system?: string;
    readonly messages: readonly { readonly role: string; readonly content: string }[];
    readonly [key: string]: unknown;
  };
}

export type ModelDialect = 'openai' | 'anthropic';

export interface FakeModelServer {
  /** The base URL each SDK expects (`…/v1` for OpenAI, the origin for Anthropic). */
  baseUrl(dialect: ModelDialect): string;
  /** Answers still to give, in order; when empty, `fallback`. */
  script: ScriptedAnswer[];
  fallback: ScriptedAnswer;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

function openAiBody(answer: ScriptedAnswer, n: number) {
  const content = answer.content ?? '';
  const message =
    answer.refusal === undefined
      ? { role: 'assistant', content }
      : { role: 'assistant', content: null, refusal: answer.refusal };
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: 0,
    model: 'scripted',
    choices: [{ index: 0, finish_reason: answer.cutOff === true ? 'length' : 'stop', message }],
    usage: {
      prompt_tokens: 1000 + n,
      completion_tokens: content.length,
      total_tokens: 1000 + n + content.length,
    },
  };
}

function anthropicBody(answer: ScriptedAnswer, n: number) {
  const content = answer.content ?? '';
  let input: unknown;
  try {
    input = answer.asText ? undefined : JSON.parse(content);
  } catch {
    input = undefined;
  }
  const block =
    input === undefined
      ? { type: 'text', text: content }
      : { type: 'tool_use', id: `toolu_${n}`, name: 'submit_policy_set', input };
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model: 'scripted',
    content: answer.refusal === undefined ? [block] : [],
    stop_reason:
      answer.refusal !== undefined
        ? 'refusal'
        : answer.cutOff === true
          ? 'max_tokens'
          : block.type === 'tool_use'
            ? 'tool_use'
            : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1000 + n, output_tokens: content.length },
  };
}

function errorBody(dialect: ModelDialect, status: number, credential?: string) {
  const message = `scripted ${status}${credential === undefined ? '' : ` for key ${credential}`}`;
  return dialect === 'openai'
    ? { error: { message, type: 'scripted' } }
    : { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } };
}

function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Starts the server on an ephemeral loopback port. */
export async function startFakeModelServer(): Promise<FakeModelServer> {
  const seen: SeenRequest[] = [];
  const state = {
    script: [] as ScriptedAnswer[],
    fallback: { content: '{"policies":[]}' } as ScriptedAnswer,
  };
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => {
      raw += String(chunk);
    });
    request.on('end', () => {
      const path = request.url ?? '';
      const dialect: ModelDialect | undefined = path.endsWith('/chat/completions')
        ? 'openai'
        : path.endsWith('/messages')
          ? 'anthropic'
          : undefined;
      if (dialect === undefined) return reply(response, 404, { error: { message: `no route ${path}` } });
      seen.push({ path, headers: request.headers, body: JSON.parse(raw) as SeenRequest['body'] });
      const answer = state.script.shift() ?? state.fallback;
      const send = () => {
        if (answer.status !== undefined && answer.status !== 200)
          return reply(
            response,
            answer.status,
            errorBody(
              dialect,
              answer.status,
              answer.echoKey === true
                ? String(request.headers.authorization ?? request.headers['x-api-key'])
                : undefined,
            ),
            { ...answer.headers },
          );
        const n = seen.length;
        if (answer.stallBody === true) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"id":');
          return;
        }
        reply(response, 200, dialect === 'openai' ? openAiBody(answer, n) : anthropicBody(answer, n));
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: (dialect) => (dialect === 'openai' ? `${origin}/v1` : origin),
    get script() {
      return state.script;
    },
    set script(answers) {
      state.script = answers;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(answer) {
      state.fallback = answer;
    },
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
