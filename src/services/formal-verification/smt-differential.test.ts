/**
 * Differential test of the SMT model against the compiled engine, over the policy fuzzers'
 * random policy sets restricted to the verifiable subset (docs/verification.md, "Testing"):
 * 1. for random requests, the model pinned to the request has exactly the engine's decision;
 * 2. for each target decision, a request the solver produces gets that decision from the engine,
 *    and the solver never says "no request has decision d" when a random request had it.
 * Default 40 sets (1,120 cases); ACGS_VERIFY_DIFF_SETS=180 runs the 5,040-case acceptance run. A failure prints
 * the fast-check seed and the counterexample.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPolicies, compilePolicySet, type Effect, parseVocabulary } from '../../policy/index.js';
import { FUZZ_VOCABULARY, policySetArb, requestArb } from '../../policy/testing/policy-arbitraries.js';
import { DefinitionSink } from './smt/condition-encoder.js';
import { DECISION_CODE, encodePolicy, encodePolicySet } from './smt/policy-set-encoder.js';
import { RequestSchema } from './smt/request-schema.js';
import { collectUsage, finishUsage, newUsage } from './smt/usage-analysis.js';
import { VerificationSession } from './smt/verification-session.js';
import { z3Solver } from './smt/z3-solver.js';

const vocabulary = parseVocabulary(FUZZ_VOCABULARY);
const REQUESTS = 25;
const SETS = Number(process.env.ACGS_VERIFY_DIFF_SETS ?? 40);
const EFFECTS: readonly Effect[] = ['allow', 'review', 'deny'];

const listPaths = ['principal.roles', 'action.tags', 'action.nums'] as const;
function lengthOf(request: Record<string, unknown>, path: string): number {
  const [ns, field] = path.split('.') as [string, string];
  const v = (request[ns] as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(v) ? v.length : 0;
}

describe('SMT model vs compiled engine (differential)', () => {
  it(`agrees on ${SETS * (REQUESTS + 3)} cases over ${SETS} random policy sets`, {
    timeout: 3_600_000,
  }, async () => {
    let cases = 0;
    let pinned = 0;
    let produced = 0;
    let policiesKept = 0;
    let policiesTotal = 0;
    let unknown = 0;
    await fc.assert(
      fc.asyncProperty(
        policySetArb,
        fc.array(requestArb, { minLength: REQUESTS, maxLength: REQUESTS }),
        fc.constantFrom<Effect>('allow', 'deny', 'review'),
        async (generated, requests, defaultDecision) => {
          const report = checkPolicies(generated, vocabulary);
          // Keep the policies inside the verifiable subset (the encoder decides).
          const probeUsage = newUsage();
          for (const c of report.checked) collectUsage(c.checked, probeUsage);
          const probe = new RequestSchema(vocabulary, finishUsage(probeUsage));
          const kept = report.checked.filter(
            (c) => encodePolicy('probe', c, probe, new DefinitionSink('probe')).havoc === undefined,
          );
          policiesTotal += report.checked.length;
          policiesKept += kept.length;
          const usage = newUsage();
          for (const c of kept) collectUsage(c.checked, usage);
          for (const path of listPaths) {
            const longest = Math.max(
              0,
              ...requests.map((r) => lengthOf(r as unknown as Record<string, unknown>, path)),
            );
            usage.slots.set(path, Math.max(usage.slots.get(path) ?? 0, longest));
          }
          const schema = new RequestSchema(vocabulary, finishUsage(usage));
          const sink = new DefinitionSink('d');
          const encoded = encodePolicySet('s', kept, defaultDecision, schema, sink);
          assert.ok(encoded.policies.every((p) => p.havoc === undefined));
          const engine = compilePolicySet(
            kept.map((c) => c.policy),
            vocabulary,
            { defaultDecision },
          );
          const session = await VerificationSession.open(z3Solver, schema, sink.lines, {
            queryTimeoutMs: 3_000,
            deadline: Date.now() + 600_000,
          });
          try {
            const seen = new Set<Effect>();
            for (const [i, request] of requests.entries()) {
              const want = engine.decide(request).decision;
              seen.add(want);
              const context = JSON.stringify({
                policies: kept.map((c) => c.policy),
                request,
                defaultDecision,
              });
              const same = await session.query([
                schema.pin(request as unknown as Record<string, unknown>),
                `(= ${encoded.decision} ${DECISION_CODE[want]})`,
              ]);
              // unsat is a mismatch; unknown (the solver gave up) is counted and must stay rare.
              assert.notEqual(same.status, 'unsat', `model does not give ${want}: ${context}`);
              if (same.status === 'unknown') unknown++;
              if (i % 5 === 0) {
                const other = await session.query([
                  schema.pin(request as unknown as Record<string, unknown>),
                  `(distinct ${encoded.decision} ${DECISION_CODE[want]})`,
                ]);
                assert.notEqual(other.status, 'sat', `model also allows another decision: ${context}`);
              }
              cases++;
              pinned++;
            }
            for (const target of EFFECTS) {
              const outcome = await session.query([`(= ${encoded.decision} ${DECISION_CODE[target]})`]);
              const context = JSON.stringify({
                policies: kept.map((c) => c.policy),
                target,
                defaultDecision,
              });
              if (outcome.status === 'unknown') unknown++;
              else if (outcome.status === 'sat') {
                const request = JSON.parse(JSON.stringify(outcome.request));
                assert.equal(
                  engine.decide(request).decision,
                  target,
                  `${context} request ${JSON.stringify(request)}`,
                );
                produced++;
              } else {
                assert.ok(
                  !seen.has(target),
                  `solver says no request is decided ${target}, yet one is: ${context}`,
                );
              }
              cases++;
            }
          } catch (e) {
            process.stderr.write(`# differential failure: ${(e as Error).message.slice(0, 3000)}\n`);
            throw e;
          } finally {
            session.close();
          }
        },
      ),
      { numRuns: SETS, endOnFailure: true },
    );
    assert.ok(cases >= SETS * (REQUESTS + 3));
    // The comparison must exercise the encoder, not only trivial sets.
    assert.ok(
      policiesKept > policiesTotal / 4,
      `only ${policiesKept} of ${policiesTotal} policies in the subset`,
    );
    assert.ok(produced > SETS, `only ${produced} solver-produced requests`);
    assert.ok(unknown < cases / 50, `the solver gave up on ${unknown} of ${cases} cases`);
    process.stdout.write(
      `# differential: ${cases} cases (${pinned} pinned requests, ${produced} produced, ${unknown} unknown), ${policiesKept}/${policiesTotal} policies in the subset\n`,
    );
  });
});
