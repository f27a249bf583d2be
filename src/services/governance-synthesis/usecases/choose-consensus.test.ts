/**
 * Consensus (issue 13, done-when 3): three candidates, two equivalent in different words and one
 * that decides differently outside every scenario. Grouped by the real formal verifier (Z3, its
 * impact check), the two win, and the report gives a request on which the third decides
 * differently — replayed here through the policy engine. On the scenarios alone the third looks
 * the same, which is why the verifier decides.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleDocument } from '../../../../test/support/constitution-fixture.js';
import {
  good,
  reworded,
  violating,
  widened,
  z3Verifier,
} from '../../../../test/support/synthesis-candidates.js';
import { constitutionalHashOf } from '../../../kernel/constitutional-hash.js';
import { compilePolicySet, type Policy, parseVocabulary } from '../../../policy/index.js';
import { readPolicySet } from '../llm/policy-set-schema.js';
import { chooseByConsensus, scenarioEquivalence, verifierEquivalence } from './choose-consensus.js';

const document = exampleDocument();
const { hash } = constitutionalHashOf(document);
const asPolicies = (set: unknown[]): Policy[] => readPolicySet(JSON.stringify({ policies: set }));
const candidates = [good, reworded, widened].map((set, index) => ({ index, policies: asPolicies(set) }));
const decide = (policies: readonly Policy[], request: unknown) =>
  compilePolicySet(policies, parseVocabulary(document.vocabulary), {
    defaultDecision: document.defaultDecision,
  }).decide(request).decision;

describe('consensus among candidates', () => {
  it('groups by the verifier: the two equivalent win, the third is reported with a request it decides otherwise', async () => {
    // Not the same text: other ids, descriptions and order, and some conditions written otherwise.
    const conditions = new Set(candidates[0]!.policies.map((p) => p.condition));
    assert.ok(candidates[1]!.policies.filter((p) => !conditions.has(p.condition)).length >= 3);
    assert.ok(candidates[1]!.policies.every((p) => !p.id.startsWith('synth.')));
    const verifier = z3Verifier(document);
    const report = await chooseByConsensus(
      candidates,
      verifierEquivalence(verifier, { hash, document }, 'test'),
    );
    assert.equal(report.method, 'verifier');
    assert.deepEqual(
      report.groups.map((g) => g.members),
      [[0, 1], [2]],
    );
    assert.equal(report.winner, 0);
    assert.equal(report.chosen, 0);
    assert.equal(report.disagreements.length, 1);
    const [disagreement] = report.disagreements;
    assert.deepEqual(disagreement!.members, [2]);
    assert.ok(disagreement!.request !== undefined, 'a request that tells the groups apart');
    assert.equal(disagreement!.winnerDecision, decide(candidates[0]!.policies, disagreement!.request));
    assert.equal(disagreement!.groupDecision, decide(candidates[2]!.policies, disagreement!.request));
    assert.notEqual(disagreement!.winnerDecision, disagreement!.groupDecision);
    assert.equal(disagreement!.groupDecision, 'allow');
    assert.equal((disagreement!.request as { action: { type: string } }).action.type, 'send_marketing');
  });

  it('the largest group wins wherever it forms, and the decisions are reported from the winner’s side', async () => {
    const order = [{ index: 3, policies: asPolicies(violating) }, candidates[0]!, candidates[1]!];
    const report = await chooseByConsensus(order, scenarioEquivalence({ document }));
    assert.deepEqual(
      report.groups.map((g) => g.members),
      [[3], [0, 1]],
    );
    assert.equal(report.winner, 1);
    assert.equal(report.chosen, 0);
    const [disagreement] = report.disagreements;
    assert.equal(disagreement!.winnerDecision, 'deny');
    assert.equal(disagreement!.groupDecision, 'allow');
    assert.equal(decide(candidates[0]!.policies, disagreement!.request), 'deny');
    assert.equal(decide(order[0]!.policies, disagreement!.request), 'allow');
  });

  it('on the scenarios alone the wider set cannot be told apart (one group)', async () => {
    const report = await chooseByConsensus(candidates, scenarioEquivalence({ document }));
    assert.equal(report.method, 'scenarios');
    assert.deepEqual(
      report.groups.map((g) => g.members),
      [[0, 1, 2]],
    );
    assert.deepEqual(report.disagreements, []);
  });
});
