/**
 * Bad input to the verifier: coded errors (the kit turns them into problem+json), or `unknown`,
 * never `proved` and never a crash.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordingIntegrity } from '../../../test/support/recording-integrity.js';
import { constitutionalHashOf } from '../../kernel/constitutional-hash.js';
import type { LogAppendRequest } from '../../kernel/contracts/integrity.js';
import { PlatformError } from '../../kernel/errors.js';
import { loadPolicies } from '../../policy/index.js';
import { parseConstitutionText } from '../constitutional-ai/constitution-text.js';
import { LocalVerifier } from './local-verifier.js';
import { z3Solver } from './smt/z3-solver.js';
import { MAX_POLICIES } from './verification-model.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const parsed = parseConstitutionText(readFileSync(`${ROOT}examples/constitution/constitution.yaml`, 'utf8'));
if (!parsed.ok) throw new Error('example constitution does not validate');
const document = parsed.document;
const hash = constitutionalHashOf(document).hash;

describe('LocalVerifier: bad input', () => {
  const appended: LogAppendRequest[] = [];
  // The log is recorded in memory here; the verifier and the constitution document are real.
  const verifier = new LocalVerifier({
    solver: z3Solver,
    constitution: () => ({
      activeHash: async () => ({ hash, short: hash.slice(0, 16) }),
      activeVersion: async () => ({
        number: 1,
        hash,
        short: hash.slice(0, 16),
        document,
        publishedAt: new Date(0).toISOString(),
        publishedBy: 'test',
        via: 'bootstrap',
      }),
      enact: async () => {
        throw new Error('unused');
      },
      resolve: async () => {
        throw new Error('unused');
      },
    }),
    integrity: () => recordingIntegrity(appended),
  });
  const code = (expected: string, status: number) => (e: unknown) => {
    assert.ok(e instanceof PlatformError, String(e));
    assert.equal(e.code, expected);
    assert.equal(e.status, status);
    return true;
  };

  it('malformed policies, an unknown constitution hash and an oversized set are coded errors', async () => {
    await assert.rejects(
      verifier.verify({
        policies: [{ id: 'x', target: { actions: ['a'] }, condition: 'nope(', effect: 'allow' }],
        constitutionHash: hash,
      }),
      code('VERIFICATION_POLICY_INVALID', 400),
    );
    await assert.rejects(
      verifier.verify({ policies: [42], constitutionHash: hash }),
      code('VERIFICATION_POLICY_INVALID', 400),
    );
    await assert.rejects(
      verifier.verify({ policies: [], constitutionHash: 'a'.repeat(64) }),
      code('VERIFICATION_CONSTITUTION_NOT_FOUND', 404),
    );
    const many = Array.from({ length: MAX_POLICIES + 1 }, (_, i) => ({
      id: `p${i}`,
      target: { actions: ['a'] },
      condition: 'true',
      effect: 'allow',
    }));
    await assert.rejects(
      verifier.verify({ policies: many, constitutionHash: hash }),
      code('VERIFICATION_SET_TOO_LARGE', 413),
    );
    await assert.rejects(
      verifier.verify({ policies: [], constitutionHash: hash, queryTimeoutMs: 0 }),
      code('VERIFICATION_POLICY_INVALID', 400),
    );
  });

  it('a 1 ms time limit gives unknown or a real answer, never a wrong proof', {
    timeout: 300_000,
  }, async () => {
    const loaded = await loadPolicies(`${ROOT}examples/constitution/policies`);
    // Small refunds up to 500 and no review above 100: finance.refund-review-above-100 is violated.
    const broken = loaded.policies
      .map((p) => p.policy)
      .filter((p) => p.id !== 'refunds.review-above-limit')
      .map((p) =>
        p.id === 'refunds.allow-small'
          ? { ...p, condition: "'support-agent' in principal.roles && action.amount <= 500.0" }
          : p,
      );
    const report = await verifier.verify({
      policies: broken,
      constitutionHash: hash,
      invariantsOnly: true,
      queryTimeoutMs: 1,
    });
    const inv = report.invariants.find((i) => i.id === 'finance.refund-review-above-100')!;
    assert.notEqual(inv.status, 'proved');
    assert.ok(appended.some((e) => e.type === 'verification.report'));
  });
});
