/**
 * The OpenAI-compatible provider on the official `openai` client, against a scripted fake
 * chat-completions server on loopback started by the test (the one thing that cannot run here
 * is a hosted model): a valid answer, broken JSON retried, an invariant-violating candidate
 * repaired after its counterexample, and a model that never repairs.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exampleConstitution } from '../../../../test/support/constitution-fixture.js';
import type { VerificationContract } from '../../../kernel/contracts/verification.js';
import { parseVocabulary } from '../../../policy/index.js';
import { z3Solver } from '../../formal-verification/smt/z3-solver.js';
import { verifyPolicySet } from '../../formal-verification/verify-policy-set.js';
import { synthesizeBuiltin } from '../builtin/builtin-synthesizer.js';
import { invariantsOf } from '../builtin/invariant-matcher.js';
import { OpenAiChatModel } from './openai-chat-model.js';
import { repairingProvider } from './repair-loop.js';

const document = exampleConstitution().document;
const good = synthesizeBuiltin(document).policies.map(({ version: _v, obligations: _o, ...rest }) => rest);
const violating = good.filter((p) => p.id !== 'synth.privacy.no-external-pii-email');

// The real verifier (Z3) behind the contract; only the log recording of LocalVerifier is left out.
const verifier: VerificationContract = {
  verify: (request) =>
    verifyPolicySet(
      {
        vocabulary: parseVocabulary(document.vocabulary),
        policies: request.policies,
        defaultDecision: document.defaultDecision,
        invariants: invariantsOf(document),
      },
      { solver: z3Solver, invariantsOnly: true },
    ),
  classifyImpact: () => Promise.reject(new Error('the repair loop does not classify impact')),
};
// Meets every scenario and every invariant on the scenario requests, but not on all requests.
const subtlyWrong = good.map((p) =>
  p.id === 'synth.fraud.high-risk' ? { ...p, condition: p.condition.replace('> 0.8', '> 0.9') } : p,
);

interface Seen {
  readonly authorization: string | undefined;
  readonly body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format: { type: string; json_schema: { name: string; strict: boolean } };
  };
}

describe('OpenAI-compatible provider with repair rounds', () => {
  let server: Server;
  let baseUrl: string;
  let script: string[] = [];
  let seen: Seen[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk) => {
        raw += String(chunk);
      });
      request.on('end', () => {
        seen.push({ authorization: request.headers.authorization, body: JSON.parse(raw) });
        const content = script.shift() ?? '{"policies": []}';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: `chatcmpl-${seen.length}`,
            object: 'chat.completion',
            created: 0,
            model: 'scripted',
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = (maxRounds = 3, withVerifier = false) => {
    const counted: string[] = [];
    const model = new OpenAiChatModel({ baseUrl, model: 'scripted-1', apiKey: 'sk-test', timeoutMs: 10_000 });
    return {
      counted,
      provider: repairingProvider(model, {
        maxRounds,
        onRequest: (p) => counted.push(p),
        ...(withVerifier ? { verifier } : {}),
      }),
    };
  };
  const run = (p: ReturnType<typeof provider>['provider']) =>
    p.synthesize(document, new AbortController().signal);

  it('accepts a valid answer in one round, asking for JSON-schema structured output', async () => {
    script = [JSON.stringify({ policies: good })];
    seen = [];
    const { provider: p, counted } = provider();
    const candidate = await run(p);
    assert.equal(candidate.rounds, 1);
    assert.equal(candidate.model, 'scripted-1');
    assert.equal(candidate.policies.length, good.length);
    assert.deepEqual(counted, ['openai']);
    assert.equal(seen[0]!.authorization, 'Bearer sk-test');
    assert.equal(seen[0]!.body.response_format.type, 'json_schema');
    assert.equal(seen[0]!.body.response_format.json_schema.strict, true);
    assert.match(seen[0]!.body.messages[1]!.content, /invariant privacy\.no-external-pii-email/);
  });

  it('retries broken JSON and a schema violation, telling the model what was wrong', async () => {
    script = ['{"policies": [', JSON.stringify({ rules: [] }), JSON.stringify({ policies: good })];
    seen = [];
    const { provider: p, counted } = provider();
    const candidate = await run(p);
    assert.equal(candidate.rounds, 3);
    assert.equal(counted.length, 3);
    assert.match(seen[1]!.body.messages.at(-1)!.content, /not a valid policy set \(.*JSON/);
    assert.match(seen[2]!.body.messages.at(-1)!.content, /no "policies" array/);
  });

  it('repairs an invariant-violating candidate after being shown its counterexample as request JSON', async () => {
    script = [JSON.stringify({ policies: violating }), JSON.stringify({ policies: good })];
    seen = [];
    const { provider: p } = provider();
    const candidate = await run(p);
    assert.equal(candidate.rounds, 2);
    const feedback = seen[1]!.body.messages.at(-1)!.content;
    assert.match(
      feedback,
      /Invariant privacy\.no-external-pii-email is violated: this request is decided allow/,
    );
    const request = JSON.parse(feedback.split('\n')[1]!) as { action: { type: string } };
    assert.equal(request.action.type, 'send_email');
  });

  it('a model that never repairs fails naming the last counterexample', async () => {
    script = [1, 2].map(() => JSON.stringify({ policies: violating }));
    seen = [];
    const { provider: p, counted } = provider(2);
    await assert.rejects(
      run(p),
      /no valid candidate after 2 rounds; last problem: Invariant privacy\.no-external-pii-email/,
    );
    assert.equal(counted.length, 2);
  });

  it('with the formal verifier, a counterexample beyond the scenarios goes back to the model and is repaired', async () => {
    script = [JSON.stringify({ policies: subtlyWrong }), JSON.stringify({ policies: good })];
    seen = [];
    const { provider: p } = provider(3, true);
    const candidate = await run(p);
    assert.equal(candidate.rounds, 2);
    const feedback = seen[1]!.body.messages.at(-1)!.content;
    assert.match(feedback, /Invariant fraud\.high-risk is violated: this request is decided (allow|review)/);
    const request = JSON.parse(feedback.split('\n')[1]!) as { action: { type: string } };
    assert.ok(['send_payment', 'issue_refund'].includes(request.action.type));
  });
});
