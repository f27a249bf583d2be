/**
 * The prompt a model gets: the constitution's principles, vocabulary (types and descriptions),
 * invariants and scenarios as examples, and the policy language's rules in brief.
 */
import type { ConstitutionDocument } from '../../../kernel/contracts/constitution.js';
import type { ChatMessage } from './chat-model.js';

const SYSTEM = [
  'You write access-control policies for AI agents in the ACGS policy language.',
  'A policy has: id, description, principles (ids of the principles it serves), target.actions (action types, or "*"),',
  'condition (a CEL expression over principal, action, resource, context), effect (allow | review | deny), priority.',
  'Decisions combine deny over review over allow; when no policy matches, the default decision applies.',
  'Guard optional attributes with has(). Answer with JSON only, following the given schema.',
].join('\n');

/** The opening messages for a constitution (and optionally the principles and goal of the job). */
export function constitutionPrompt(
  document: ConstitutionDocument,
  focus: {
    readonly principles?: readonly string[];
    readonly goal?: string;
    /** false: no scenarios in the prompt (the evolution search must not show its held-out split). */
    readonly scenarios?: boolean;
  } = {},
): ChatMessage[] {
  const vocabulary = Object.entries(document.vocabulary.attributes).map(([path, attr]) => {
    const a = attr as { type?: string; description?: string };
    return `- ${path}: ${a.type ?? String(attr)}${a.description ? ` — ${a.description}` : ''}`;
  });
  const principles = document.principles
    .filter((p) => focus.principles === undefined || focus.principles.includes(p.id))
    .map((p) =>
      [
        `## ${p.id}: ${p.title}`,
        p.text,
        ...p.invariants.map(
          (inv) => `- invariant ${inv.id}: when ${inv.when}, never ${inv.forbid.join(' or ')}`,
        ),
      ].join('\n'),
    );
  const examples = (focus.scenarios === false ? [] : document.scenarioSuites)
    .flatMap((s) => s.scenarios)
    .slice(0, 40)
    .map((s) => `- ${JSON.stringify(s.request)} → ${s.expected}`);
  const user = [
    `Constitution: ${document.name}. Default decision: ${document.defaultDecision}.`,
    focus.goal === undefined ? '' : `Goal: ${focus.goal}`,
    '# Vocabulary',
    ...vocabulary,
    '# Principles and invariants',
    ...principles,
    ...(focus.scenarios === false
      ? []
      : [
          '# Scenarios (request → expected decision)',
          ...examples,
          'Write a policy set that satisfies every invariant and gives every scenario its expected decision.',
        ]),
  ]
    .filter((line) => line !== '')
    .join('\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: user },
  ];
}
