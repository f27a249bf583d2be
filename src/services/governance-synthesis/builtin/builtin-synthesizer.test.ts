/**
 * The builtin synthesizer on the example constitution with no policies: the set it derives
 * passes the policy checker, gives every scenario its expected decision, and violates no
 * invariant on the scenarios nor on their perturbations (each flag flipped, each optional
 * attribute dropped, each number moved to the invariants' thresholds and past them), and the
 * formal verifier (Z3) proves every invariant over all requests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleConstitution, exampleDocument } from '../../../../test/support/constitution-fixture.js';
import { checkPolicies, compilePolicySet, parseVocabulary } from '../../../policy/index.js';
import { z3Solver } from '../../formal-verification/smt/z3-solver.js';
import { verifyPolicySet } from '../../formal-verification/verify-policy-set.js';
import { synthesizeBuiltin } from './builtin-synthesizer.js';
import { compileInvariantMatcher } from './invariant-matcher.js';
import { actionTypesOf } from './invariant-policies.js';

const THRESHOLDS = [0, 1, 2, 5, 8, 50, 100, 100.5, 1000, 1001, 4999, 5000, 5000.5, 10000, 10000.5, 0.8, 0.81];

function perturbations(request: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const set = (v: unknown) => {
        const copy = structuredClone(request) as Record<string, unknown>;
        let node = copy as Record<string, unknown>;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        if (v === undefined) delete node[path.at(-1)!];
        else node[path.at(-1)!] = v;
        out.push(copy);
      };
      if (typeof value === 'boolean') set(!value);
      if (typeof value === 'number')
        for (const t of THRESHOLDS) set(Number.isInteger(value) && !Number.isInteger(t) ? Math.floor(t) : t);
      if (!['type', 'id', 'roles'].includes(path.at(-1)!) && path[0] !== 'principal') set(undefined);
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(request, []);
  return out;
}

describe('builtin synthesizer', () => {
  const example = exampleConstitution();
  const document = example.document;
  const vocabulary = parseVocabulary(document.vocabulary);
  const result = synthesizeBuiltin(document);
  const engine = compilePolicySet(result.policies, vocabulary, { defaultDecision: document.defaultDecision });
  const matcher = compileInvariantMatcher(document, vocabulary);
  const scenarios = document.scenarioSuites.flatMap((s) => s.scenarios);

  it('derives policies the policy checker accepts, citing the constitution’s principles', () => {
    const report = checkPolicies(result.policies, vocabulary);
    assert.deepEqual(report.diagnostics, []);
    const principleIds = new Set(document.principles.map((p) => p.id));
    for (const p of result.policies) for (const id of p.principles) assert.ok(principleIds.has(id), id);
    assert.ok(result.policies.length >= matcher.invariants.length);
  });

  it('gives every scenario of the example constitution its expected decision', () => {
    assert.equal(scenarios.length >= 50, true);
    const wrong = scenarios
      .map((s) => ({ s, d: engine.decide(s.request).decision }))
      .filter(({ s, d }) => d !== s.expected)
      .map(({ s, d }) => `${s.id}: expected ${s.expected}, got ${d}`);
    assert.deepEqual(wrong, []);
    assert.deepEqual(result.unmetScenarios, []);
  });

  it('violates no invariant on the scenarios and on thousands of perturbed requests', () => {
    const requests = scenarios.flatMap((s) => [s.request, ...perturbations(s.request)]);
    assert.ok(requests.length > 1000, `${requests.length} requests`);
    const violations: string[] = [];
    let checked = 0;
    for (const request of requests) {
      let applicable: ReturnType<typeof matcher.applicable>;
      try {
        applicable = matcher.applicable(request);
      } catch {
        continue; // a perturbation that drops a required attribute is not a valid request
      }
      checked++;
      const decision = engine.decide(request).decision;
      for (const inv of applicable)
        if (inv.forbid.includes(decision))
          violations.push(`${inv.id}: ${decision} for ${JSON.stringify(request)}`);
    }
    assert.ok(checked > 1000, `${checked} valid requests`);
    assert.deepEqual(violations.slice(0, 5), []);
  });

  it('the formal verifier proves that the set satisfies every invariant of the constitution, synthesis and proof in under 10 s', async () => {
    // Done-when 1's 10 s, as this process's CPU time (Z3 runs in it): wall time on a machine
    // shared with other work says more about the others (bench/synthesis.bench.ts measures it).
    const started = performance.now();
    const cpu = process.cpuUsage();
    const synthesized = synthesizeBuiltin(document);
    const report = await verifyPolicySet(
      {
        vocabulary,
        policies: synthesized.policies,
        defaultDecision: document.defaultDecision,
        invariants: matcher.invariants,
      },
      { solver: z3Solver, invariantsOnly: true },
    );
    const notProved = report.invariants.filter((i) => i.status !== 'proved');
    assert.deepEqual(
      notProved.map((i) => `${i.id}: ${i.status} ${JSON.stringify(i.counterexample?.request ?? i.reason)}`),
      [],
    );
    assert.equal(report.summary.proved, matcher.invariants.length);
    assert.equal(report.coverage.verifiable, result.policies.length);
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    assert.deepEqual(synthesized.policies, result.policies, 'deterministic');
    assert.ok(cpuMs < 10_000, `synthesis and verification took ${Math.round(cpuMs)} ms of CPU`);
    console.log(
      `verified: ${report.summary.proved} invariants proved; synthesis and proof ${Math.round(cpuMs)} ms of CPU, ${Math.round(elapsed)} ms wall`,
    );
  });

  it('narrows each invariant policy to the action types its `when` pins', () => {
    assert.deepEqual(actionTypesOf("action.type == 'send_email' && resource.external"), ['send_email']);
    assert.deepEqual(actionTypesOf("action.type in ['send_payment', 'issue_refund'] && x"), [
      'send_payment',
      'issue_refund',
    ]);
    assert.deepEqual(actionTypesOf("principal.type == 'agent'"), ['*']);
    const bySource = result.policies.find((p) => p.id === 'synth.fraud.high-risk');
    assert.deepEqual(bySource?.target.actions, ['send_payment', 'issue_refund']);
    assert.equal(bySource?.effect, 'deny');
    assert.equal(
      result.policies.find((p) => p.id === 'synth.retention.agents-never-delete')?.effect,
      'review',
    );
    assert.equal(result.policies.find((p) => p.id === 'synth.care.read-own-tickets')?.effect, 'allow');
  });

  it('is deterministic and reports the scenarios it cannot meet', () => {
    assert.deepEqual(synthesizeBuiltin(document).policies, result.policies);
    const doc = exampleDocument();
    const suite = doc.scenarioSuites[0]!;
    const first = suite.scenarios[0]!;
    // The same request expected both allow and deny: no policy set meets both.
    const twin = {
      ...first,
      id: `${first.id}-twin`,
      expected: first.expected === 'deny' ? 'allow' : 'deny',
    } as const;
    const contradictory = {
      ...doc,
      scenarioSuites: [{ ...suite, scenarios: [...suite.scenarios, twin] }, ...doc.scenarioSuites.slice(1)],
    };
    const unmet = synthesizeBuiltin(contradictory).unmetScenarios;
    assert.equal(unmet.length, 1);
  });
});
