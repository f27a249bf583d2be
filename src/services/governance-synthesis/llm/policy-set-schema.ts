/**
 * The JSON Schema a model's answer must follow (sent as structured output), and the reading of
 * an answer into policies: `version` and `obligations` are set by the service, not the model.
 */
import { EFFECTS, type Policy } from '../../../policy/index.js';

export const POLICY_SET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['policies'],
  properties: {
    policies: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'description', 'principles', 'target', 'condition', 'effect', 'priority'],
        properties: {
          id: { type: 'string' },
          description: { type: 'string' },
          principles: { type: 'array', items: { type: 'string' } },
          target: {
            type: 'object',
            additionalProperties: false,
            required: ['actions'],
            properties: { actions: { type: 'array', items: { type: 'string' } } },
          },
          condition: { type: 'string' },
          effect: { type: 'string', enum: [...EFFECTS] },
          priority: { type: 'integer' },
        },
      },
    },
  },
} as const;

/**
 * The JSON of an answer that wraps it (models without structured output, local servers among
 * them, often put it in a code fence or between sentences): the fenced block, or the text from
 * the first `{` to the last `}`; undefined when neither parses.
 */
function embeddedJson(text: string): unknown {
  const fenced = /```[a-zA-Z]*\s*\n([\s\S]*?)\n\s*```/.exec(text)?.[1];
  for (const candidate of [fenced, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)]) {
    if (candidate === undefined || candidate === '') continue;
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // the next reading, or the parse error of the whole answer
    }
  }
  return undefined;
}

/** The policy fields the service sets, which an answer may not carry. */
const SERVICE_FIELDS = ['version', 'obligations'] as const;

/** Parses a model's answer (plain JSON, or JSON in a code fence or prose); throws a SyntaxError or TypeError naming what is wrong. */
export function readPolicySet(
  text: string,
  options: {
    /** Keep a policy's own `version` and `obligations` (a change to a set that was shown with them). */
    readonly keepServiceFields?: boolean;
  } = {},
): Policy[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    parsed = embeddedJson(text);
    if (parsed === undefined) throw error;
  }
  const list = (parsed as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(list)) throw new TypeError('the answer has no "policies" array');
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new TypeError(`/policies/${i} is not an object`);
    // Obligations make the enforcement point act (notify, redact, …): the model may not add any.
    for (const key of options.keepServiceFields === true ? [] : SERVICE_FIELDS)
      if (key in item) throw new TypeError(`/policies/${i}/${key} is set by the service, not in the answer`);
    return { version: 1, obligations: [], ...(item as object) } as unknown as Policy;
  });
}
