/**
 * A query whose commands did not all run must not poison the next one. Z3 (4.16, WebAssembly)
 * sometimes cancels the `push` that opens a query when the previous query's 1 ms time limit fires
 * late: the query's assertions then land in the base context, and every later query answered
 * `unsat` (a wrong proof, seen with `queryTimeoutMs: 1`). Here the real Z3 runs behind a session
 * that reproduces exactly that once — the `push` is dropped and Z3's error line printed — and the
 * solver must answer that query `unknown` and the next one from a fresh context.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVocabulary } from '../../../policy/index.js';
import { RequestSchema } from './request-schema.js';
import { ScopedSolver } from './scoped-solver.js';
import type { Solver } from './solver.js';
import { finishUsage, newUsage } from './usage-analysis.js';
import { z3Solver } from './z3-solver.js';

describe('ScopedSolver', () => {
  it('answers unknown for a query whose push was cancelled, and the next query from a fresh context', async () => {
    const schema = new RequestSchema(
      parseVocabulary({ attributes: { 'context.n': 'int' } }),
      finishUsage(newUsage()),
    );
    let opened = 0;
    let cancelNextPush = false;
    const solver: Solver = {
      name: z3Solver.name,
      async open() {
        opened++;
        const real = await z3Solver.open();
        return {
          run: async (commands) => {
            if (cancelNextPush && commands.startsWith('(push)')) {
              cancelNextPush = false;
              const out = await real.run(commands.replace('(push)', ''));
              return `(error "line 1 column 6: push canceled")\n${out}`;
            }
            return real.run(commands);
          },
          close: () => real.close(),
        };
      },
    };
    const limits = { queryTimeoutMs: 5_000, deadline: Date.now() + 60_000 };
    const scoped = await ScopedSolver.open(solver, schema, [], limits, 'native');
    try {
      const n = schema.value('context.n');
      const present = schema.present('context.n');
      cancelNextPush = true;
      const poisoned = await scoped.query([present, `(< ${n} 0)`]);
      assert.equal(poisoned.status, 'unknown');
      // Had `n < 0` stayed in force, this would be a (wrong) unsat.
      const next = await scoped.query([present, `(> ${n} 5)`]);
      assert.equal(next.status, 'sat');
      assert.equal(opened, 2);
    } finally {
      scoped.close();
    }
  });
});
