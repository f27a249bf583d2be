/**
 * `acceptUnverifiedInvariants` on `POST /api/v1/policies/bundles/:id/activate`, through the real
 * kit (inject), the real Constitutional AI and Integrity services and the real verifier (Z3) as
 * the activation gate: a bundle whose invariant the verifier cannot settle (it depends on a
 * condition outside the verifiable subset) is refused, then activated when the admin accepts it
 * explicitly — the choice is in the verifier's log entry and the activation event; a violated
 * invariant is refused even when accepting; the field is validated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { EXAMPLE_POLICIES } from '../../../test/support/constitution-fixture.js';
import { openPgcTestStack, type PgcTestStack } from '../../../test/support/pgc-test-app.js';
import type { IntegrityContract, LogAppendRequest } from '../../kernel/contracts/integrity.js';
import { EVENT_TYPES, subjectOf } from '../../kernel/events.js';
import { loadPolicies } from '../../policy/index.js';
import { LocalVerifier } from '../formal-verification/local-verifier.js';
import { z3Solver } from '../formal-verification/smt/z3-solver.js';
import { refusalCounter, verificationGate } from './verification-gate.js';

const admin = { authorization: 'Test ada admin' };

const example = (await loadPolicies(EXAMPLE_POLICIES)).policies.map((p) => p.policy);
/**
 * Refunds above 100 lose their review and gain an allow whose condition is outside the subset
 * (`matches`): whether finance.refund-review-above-100 holds depends on it, so it is `unknown`.
 */
const unsettled = [
  ...example.filter((p) => p.id !== 'refunds.review-above-limit'),
  {
    id: 'refunds.allow-pattern',
    principles: ['customer-care'],
    target: { actions: ['issue_refund'] },
    condition: "action.amount > 100.0 && 'refund'.matches('^x')",
    effect: 'allow',
  },
];
/** Every refund above 100 allowed: violated, whatever the activator accepts. */
const violating = [
  ...example.filter((p) => p.id !== 'refunds.review-above-limit'),
  {
    id: 'refunds.allow-any',
    principles: ['customer-care'],
    target: { actions: ['issue_refund'] },
    condition: 'action.amount > 100.0 && action.amount <= 5000.0',
    effect: 'allow',
  },
];

describe('activation accepting unverified invariants', () => {
  let stack: PgcTestStack;
  let app: FastifyInstance;
  const events: { type: string; data: unknown }[] = [];
  const appended: LogAppendRequest[] = [];

  before(async () => {
    stack = await openPgcTestStack('unverified', ({ constitution, integrity }) => {
      // The verifier appends to the real log; the entries it appends are also noted here.
      const verifier = new LocalVerifier({
        solver: z3Solver,
        constitution: () => constitution,
        integrity: () =>
          Object.assign(Object.create(integrity) as IntegrityContract, {
            append: (entry: LogAppendRequest) => {
              appended.push(entry);
              return integrity.append(entry);
            },
          }),
      });
      return [verificationGate(verifier, refusalCounter(new Registry()))];
    });
    app = stack.app;
    await stack.context.bus.subscribe({
      durable: 'test-unverified',
      subjects: [subjectOf({ source: 'pgc', type: EVENT_TYPES.policyBundleActivated })],
      handler: async (message) => {
        events.push({ type: message.event.type, data: message.event.data });
        await message.ack();
      },
    });
  });

  after(() => stack?.close());

  const bundleOf = async (policies: readonly unknown[]) => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/policies/bundles',
      headers: { authorization: 'Test paula policy_author' },
      payload: { policies, suites: [] },
    });
    assert.equal(created.statusCode, 201, created.body);
    return created.json().id as string;
  };
  const activate = (id: string, payload?: object) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/policies/bundles/${id}/activate`,
      headers: admin,
      ...(payload === undefined ? {} : { payload }),
    });

  test('unknown is refused unless accepted; accepted, it is recorded; violated is refused regardless', {
    timeout: 600_000,
  }, async () => {
    const id = await bundleOf(unsettled);
    const refused = await activate(id);
    assert.equal(refused.statusCode, 422, refused.body);
    const failure = refused
      .json()
      .errors.find(
        (e: { pointer: string }) => e.pointer === '/gates/verification/finance.refund-review-above-100',
      );
    assert.ok(failure, refused.body);
    assert.match(failure.detail, /not proved .*acceptUnverifiedInvariants/);

    const accepted = await activate(id, { acceptUnverifiedInvariants: true });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().bundleId, id);
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      events.map((e) => (e.data as { acceptUnverifiedInvariants?: boolean }).acceptUnverifiedInvariants),
      [true],
    );
    const reports = appended.filter((e) => e.type === 'verification.report');
    const last = reports.at(-1)!.payload as {
      acceptUnverified?: boolean;
      unknown: string[];
      requestedBy?: string;
    };
    assert.equal(last.acceptUnverified, true);
    assert.deepEqual(last.unknown, ['finance.refund-review-above-100']);
    assert.equal(last.requestedBy, 'ada');
    assert.equal((reports.at(-2)!.payload as { acceptUnverified?: boolean }).acceptUnverified, undefined);

    const bad = await bundleOf(violating);
    const stillRefused = await activate(bad, { acceptUnverifiedInvariants: true });
    assert.equal(stillRefused.statusCode, 422);
    assert.match(stillRefused.body, /finance\.refund-review-above-100.*violated: .*counterexample/);
  });

  test('the field is a boolean, and not part of a proposal enactment', async () => {
    const id = 'a'.repeat(64);
    const notBool = await activate(id, { acceptUnverifiedInvariants: 'yes' });
    assert.equal(notBool.statusCode, 400);
    assert.deepEqual(
      notBool.json().errors.map((e: { pointer: string }) => e.pointer),
      ['/body/acceptUnverifiedInvariants'],
    );
    const withProposal = await activate(id, {
      acceptUnverifiedInvariants: true,
      proposalId: '00000000-0000-4000-8000-000000000000',
    });
    assert.equal(withProposal.statusCode, 400);
    assert.equal(withProposal.json().errors[0].pointer, '/body/acceptUnverifiedInvariants');
  });
});
