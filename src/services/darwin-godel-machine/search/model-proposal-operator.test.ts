/**
 * The model-proposed operator end to end: the synthesis service's change proposer on the real
 * OpenAI SDK against a scripted OpenAI-compatible server on loopback, the DGM's search with the
 * real evaluator and verifier (Z3) on the weakened example set. A model's change is a child like
 * any other — validated, scored, proved — and a model that proposes an invariant-breaking change
 * never yields an admissible variant. The prompt carries no held-out scenario.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  examplePolicies,
  realVerifier,
  weakenedPolicies,
} from '../../../../test/support/evolution-fixture.js';
import { type FakeModelServer, startFakeModelServer } from '../../../../test/support/fake-model-server.js';
import {
  exampleConstitutionContract,
  exampleVersion,
} from '../../../../test/support/synthesis-candidates.js';
import { OpenAiChatModel } from '../../governance-synthesis/llm/openai-chat-model.js';
import { modelChangeProposer } from '../../governance-synthesis/usecases/propose-change.js';
import { AdmissibilityGate } from '../evaluation/admissibility-gate.js';
import { VariantEvaluator } from '../evaluation/variant-evaluator.js';
import { continueSearch, DEFAULT_SEARCH, startSearch } from './evolution-search.js';
import { modelProposalOperator } from './model-proposal-operator.js';
import { buildMutationMaterial } from './mutation-material.js';

describe('model-proposed changes (through the synthesis contract)', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer();
  });
  after(() => fake.close());

  it('a model’s change is verified and scored like any other; an invariant-breaking one is never admissible', {
    timeout: 300_000,
  }, async () => {
    const document = exampleVersion.document;
    const base = await weakenedPolicies();
    const example = await examplePolicies();
    const refunds = example.filter(
      (p) => String(p.id).startsWith('refunds.') && p.id !== 'refunds.deny-huge',
    );
    assert.equal(refunds.length, 3, 'the three refund policies the weakening removed');
    // Refunds for support agents, whatever the amount: breaks finance.refund-review-above-100.
    const breaking = [
      ...base,
      {
        id: 'refunds.allow-support',
        principles: ['customer-care'],
        target: { actions: ['issue_refund'] },
        condition: "'support-agent' in principal.roles",
        effect: 'allow',
      },
    ];
    fake.script = [
      { content: JSON.stringify({ policies: breaking }) },
      { content: JSON.stringify({ policies: [...base, ...refunds] }) },
    ];
    fake.fallback = { status: 500 };

    const model = new OpenAiChatModel({
      baseUrl: fake.baseUrl('openai'),
      model: 'scripted-1',
      apiKey: 'sk-test',
      timeoutMs: 10_000,
    });
    const evaluator = new VariantEvaluator(document, base);
    const compiled = evaluator.compile(base);
    assert.ok(compiled.ok);
    const deps = {
      constitutionHash: exampleVersion.hash,
      evaluator,
      admissibility: new AdmissibilityGate(realVerifier().verifier, exampleVersion, 'svc-dgm'),
      material: buildMutationMaterial(document, compiled.policies, evaluator.suites.training),
      operators: [modelProposalOperator(modelChangeProposer(model, exampleConstitutionContract))],
    };
    const state = await continueSearch(deps, await startSearch(deps, base, 1), {
      ...DEFAULT_SEARCH,
      iterations: 3,
    });
    const [v0, v1, v2] = state.entries;
    console.log(state.entries.map((e) => `${e.id} ${e.status} ${e.note}`).join('\n'));

    assert.equal(v1?.operator, 'model-proposal');
    assert.match(v1!.note, /added refunds\.allow-support/);
    assert.equal(v1?.status, 'inadmissible', 'the breaking change is refused');
    assert.ok(v1?.verification?.violated.includes('finance.refund-review-above-100'));

    assert.equal(v2?.operator, 'model-proposal');
    assert.equal(v2?.parentId, 'v0', 'an inadmissible variant is never a parent');
    assert.equal(v2?.status, 'admissible', v2?.note);
    assert.equal(v2?.verification?.status, 'proved');
    assert.ok(v2!.training!.correct > v0!.training!.correct, 'scored on the training split like any other');
    assert.ok(state.entries.every((e) => e.status !== 'admissible' || !e.note.includes('allow-support')));

    // The prompt: the set and training failures, never a held-out scenario.
    assert.ok(fake.seen.length >= 2);
    const prompt = fake.seen[0]!.body.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /Requests it decides wrongly/);
    for (const s of evaluator.suites.heldOut)
      assert.ok(!prompt.includes(JSON.stringify(s.request)), `held-out ${s.key} in the prompt`);
    assert.ok(
      evaluator.suites.training.some((s) => prompt.includes(JSON.stringify(s.request))),
      'the training failures are in it',
    );
  });
});
