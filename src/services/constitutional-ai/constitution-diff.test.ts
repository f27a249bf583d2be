import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleDocument } from '../../../test/support/constitution-fixture.js';
import type { ConstitutionDocument } from '../../kernel/contracts/constitution.js';
import { diffConstitutions } from './constitution-diff.js';

type Mutable = {
  name: string;
  principles: { id: string; invariants: { id: string; when: string; forbid: string[]; reason: string }[] }[];
  vocabulary: { attributes: Record<string, unknown> };
  councilRules: Record<string, { timelockHours: number }>;
  scenarioSuites: { id: string; scenarios: unknown[] }[];
};

describe('diffConstitutions', () => {
  it('is identical for the same document', () => {
    const diff = diffConstitutions(exampleDocument(), exampleDocument());
    assert.equal(diff.identical, true);
  });

  it('names added, removed and changed principles, invariants, attributes, settings and suites', () => {
    const after = exampleDocument() as unknown as Mutable;
    const privacy = after.principles.find((p) => p.id === 'privacy')!;
    privacy.invariants = privacy.invariants.filter((inv) => inv.id !== 'privacy.no-agent-bulk-export');
    privacy.invariants[0]!.forbid = ['allow', 'review'];
    privacy.invariants.push({ id: 'privacy.new', when: "action.type == 'x'", forbid: ['allow'], reason: '' });
    after.principles = after.principles.filter((p) => p.id !== 'transparency');
    after.principles.push({ ...structuredClone(privacy), id: 'privacy-2', invariants: [] });
    after.vocabulary.attributes['context.channel'] = { type: 'string', required: false };
    delete after.vocabulary.attributes['context.time'];
    after.councilRules['retire-policy']!.timelockHours = 0;
    after.scenarioSuites = after.scenarioSuites.filter((s) => s.id !== 'records');
    after.scenarioSuites[0]!.scenarios.pop();
    const diff = diffConstitutions(exampleDocument(), after as unknown as ConstitutionDocument);
    assert.equal(diff.identical, false);
    assert.deepEqual(
      diff.principles.added.map((p) => p.id),
      ['privacy-2'],
    );
    assert.deepEqual(
      diff.principles.removed.map((p) => p.id),
      ['transparency'],
    );
    assert.equal(diff.principles.changed.length, 1);
    const changed = diff.principles.changed[0]!;
    assert.equal(changed.id, 'privacy');
    assert.deepEqual(
      changed.changes.map((c) => c.field),
      ['invariants'],
    );
    assert.deepEqual(changed.invariants, {
      added: ['privacy.new'],
      removed: ['privacy.no-agent-bulk-export'],
      changed: ['privacy.no-external-pii-email'],
    });
    assert.deepEqual(diff.vocabulary.added, ['context.channel']);
    assert.deepEqual(diff.vocabulary.removed, ['context.time']);
    assert.deepEqual(
      diff.settings.map((s) => s.field),
      ['councilRules.retire-policy'],
    );
    assert.deepEqual(diff.scenarioSuites.removed, ['records']);
    assert.deepEqual(
      diff.scenarioSuites.changed.map((s) => s.id),
      ['support'],
    );
  });

  it('is not identical when only the order of principles changed', () => {
    const after = exampleDocument() as unknown as Mutable;
    after.principles.reverse();
    const diff = diffConstitutions(exampleDocument(), after as unknown as ConstitutionDocument);
    assert.equal(diff.identical, false);
    assert.deepEqual(diff.principles.changed, []);
  });
});
