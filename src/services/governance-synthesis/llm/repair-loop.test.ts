/**
 * The OpenAI-compatible provider (official `openai` client, JSON-schema output) and the
 * Anthropic provider (official `@anthropic-ai/sdk`, tool use), each against a scripted fake
 * server on loopback started by the test (the one thing that cannot run here is a hosted
 * model): a valid answer, broken JSON and a schema violation retried, an invariant-violating
 * candidate repaired after its counterexample, and a model that never repairs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exampleConstitution } from '../../../../test/support/constitution-fixture.js';
import { type FakeModelServer, startFakeModelServer } from '../../../../test/support/fake-model-server.js';
import { good, subtlyWrong, violating, z3Verifier } from '../../../../test/support/synthesis-candidates.js';
import { AnthropicChatModel } from './anthropic-chat-model.js';
import type { ChatModel } from './chat-model.js';
import { OpenAiChatModel } from './openai-chat-model.js';
import { MAX_ANSWER_CHARS, repairingProvider } from './repair-loop.js';

const document = exampleConstitution().document;
const verifier = z3Verifier(document);

const MODELS = {
  openai: (baseUrl: string): ChatModel =>
    new OpenAiChatModel({ baseUrl, model: 'scripted-1', apiKey: 'sk-test', timeoutMs: 10_000 }),
  anthropic: (baseUrl: string): ChatModel =>
    new AnthropicChatModel({
      baseUrl,
      model: 'scripted-1',
      apiKey: 'sk-ant-test',
      timeoutMs: 10_000,
      maxTokens: 4096,
    }),
} as const;

for (const dialect of ['openai', 'anthropic'] as const) {
  describe(`${dialect} provider with repair rounds`, () => {
    let fake: FakeModelServer;
    before(async () => {
      fake = await startFakeModelServer();
    });
    after(() => fake.close());

    const provider = (maxRounds = 3, withVerifier = false) => {
      const counted: string[] = [];
      return {
        counted,
        provider: repairingProvider(MODELS[dialect](fake.baseUrl(dialect)), {
          maxRounds,
          onRequest: (p) => counted.push(p),
          ...(withVerifier ? { verifier } : {}),
        }),
      };
    };
    const run = (p: ReturnType<typeof provider>['provider']) =>
      p.synthesize(document, new AbortController().signal);
    const answers = (...sets: unknown[]) => sets.map((content) => ({ content: JSON.stringify(content) }));
    const lastUserMessage = (i: number) => fake.seen[i]!.body.messages.at(-1)!.content;

    it('a refusal and an answer cut off at the token limit are repaired, and reported as such', async () => {
      fake.script = [
        { refusal: 'I cannot help with that.' },
        { content: JSON.stringify({ policies: good }).slice(0, 300), asText: true, cutOff: true },
        ...answers({ policies: good }),
      ];
      const candidate = await run(provider().provider);
      assert.equal(candidate.rounds, 3);
      assert.match(candidate.repairs![0]!.problem, /the model refused/);
      assert.match(candidate.repairs![1]!.problem, /cut off at the token limit/);
    });

    it('an answer longer than it reads is refused unread and shown back only by its beginning', async () => {
      fake.script = answers({ policies: good, padding: 'x'.repeat(MAX_ANSWER_CHARS) }, { policies: good });
      fake.seen.length = 0;
      const candidate = await run(provider().provider);
      assert.equal(candidate.rounds, 2);
      assert.match(candidate.repairs![0]!.problem, /characters long, more than the 1000000 read/);
      const shownBack = fake.seen[1]!.body.messages.find((m) => m.role === 'assistant')!;
      assert.ok(shownBack.content.length < 3000, String(shownBack.content.length));
    });

    it('refuses obligations or a version in the answer: the service sets them', async () => {
      const [first, ...rest] = good;
      fake.script = answers(
        {
          policies: [
            { ...first, obligations: [{ type: 'notify', params: { to: 'x@example.com' } }] },
            ...rest,
          ],
        },
        { policies: [{ ...first, version: 7 }, ...rest] },
        { policies: good },
      );
      const candidate = await run(provider().provider);
      assert.equal(candidate.rounds, 3);
      assert.match(candidate.repairs![0]!.problem, /\/policies\/0\/obligations is set by the service/);
      assert.match(candidate.repairs![1]!.problem, /\/policies\/0\/version is set by the service/);
      assert.ok(candidate.policies.every((p) => p.version === 1 && p.obligations.length === 0));
    });

    it('accepts the policy set in a code fence or between sentences in one round', async () => {
      const json = JSON.stringify({ policies: good });
      for (const content of [
        `\`\`\`json\n${json}\n\`\`\``,
        `Here is the policy set:\n${json}\nEach policy serves its principles.`,
      ]) {
        fake.script = [{ content, asText: true }];
        const candidate = await run(provider().provider);
        assert.equal(candidate.rounds, 1, content.slice(0, 20));
        assert.deepEqual(candidate.repairs, []);
        assert.equal(candidate.policies.length, good.length);
      }
    });

    it('accepts a valid answer in one round, asking for structured output', async () => {
      fake.script = answers({ policies: good });
      fake.seen.length = 0;
      const { provider: p, counted } = provider();
      const candidate = await run(p);
      assert.equal(candidate.rounds, 1);
      assert.equal(candidate.model, 'scripted-1');
      assert.equal(candidate.policies.length, good.length);
      assert.match(candidate.promptHash ?? '', /^[0-9a-f]{64}$/);
      assert.deepEqual(counted, [dialect]);
      const body = fake.seen[0]!.body as unknown as {
        response_format: { type: string; json_schema: { strict: boolean } };
        messages: { content: string }[];
        max_tokens: number;
        system: string;
        tool_choice: unknown;
        tools: { input_schema: { required: string[] } }[];
      };
      if (dialect === 'openai') {
        assert.equal(fake.seen[0]!.headers.authorization, 'Bearer sk-test');
        assert.equal(body.response_format.type, 'json_schema');
        assert.equal(body.response_format.json_schema.strict, true);
        assert.match(body.messages[1]!.content, /invariant privacy\.no-external-pii-email/);
      } else {
        const { headers } = fake.seen[0]!;
        // The SDK sends the key as x-api-key or as a bearer token, by version.
        assert.ok(headers['x-api-key'] === 'sk-ant-test' || headers.authorization === 'Bearer sk-ant-test');
        assert.ok(headers['anthropic-version'] !== undefined);
        assert.equal(body.max_tokens, 4096);
        assert.match(body.system, /ACGS policy language/);
        assert.deepEqual(body.tool_choice, { type: 'tool', name: 'submit_policy_set' });
        assert.deepEqual(body.tools[0]!.input_schema.required, ['policies']);
        assert.match(body.messages[0]!.content, /invariant privacy\.no-external-pii-email/);
      }
    });

    it('retries broken JSON and a schema violation, telling the model what was wrong', async () => {
      fake.script = [
        { content: '{"policies": [', asText: true },
        ...answers({ rules: [] }, { policies: good }),
      ];
      fake.seen.length = 0;
      const { provider: p, counted } = provider();
      const candidate = await run(p);
      assert.equal(candidate.rounds, 3);
      assert.equal(counted.length, 3);
      assert.match(lastUserMessage(1), /not a valid policy set \(.*JSON/);
      assert.match(lastUserMessage(2), /no "policies" array/);
      assert.deepEqual(
        candidate.repairs?.map((r) => r.round),
        [1, 2],
        'the refused answers are reported with the candidate',
      );
      assert.match(candidate.repairs![0]!.problem, /not a valid policy set \(.*JSON/);
      assert.match(candidate.repairs![1]!.problem, /no "policies" array/);
    });

    it('repairs an invariant-violating candidate after being shown its counterexample as request JSON', async () => {
      fake.script = answers({ policies: violating }, { policies: good });
      fake.seen.length = 0;
      const candidate = await run(provider().provider);
      assert.equal(candidate.rounds, 2);
      const feedback = lastUserMessage(1);
      assert.match(
        feedback,
        /Invariant privacy\.no-external-pii-email is violated: this request is decided allow/,
      );
      const request = JSON.parse(feedback.split('\n')[1]!) as { action: { type: string } };
      assert.equal(request.action.type, 'send_email');
    });

    it('a model that never repairs fails naming the last counterexample', async () => {
      fake.script = answers({ policies: violating }, { policies: violating });
      fake.seen.length = 0;
      const { provider: p, counted } = provider(2);
      await assert.rejects(
        run(p),
        /no valid candidate after 2 rounds; last problem: Invariant privacy\.no-external-pii-email/,
      );
      assert.equal(counted.length, 2);
    });

    it('with the formal verifier, a counterexample beyond the scenarios goes back to the model and is repaired', async () => {
      fake.script = answers({ policies: subtlyWrong }, { policies: good });
      fake.seen.length = 0;
      const candidate = await run(provider(3, true).provider);
      assert.equal(candidate.rounds, 2);
      const feedback = lastUserMessage(1);
      assert.match(
        feedback,
        /Invariant fraud\.high-risk is violated: this request is decided (allow|review)/,
      );
      const request = JSON.parse(feedback.split('\n')[1]!) as { action: { type: string } };
      assert.ok(['send_payment', 'issue_refund'].includes(request.action.type));
    });
  });
}
