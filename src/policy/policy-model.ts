/**
 * The policy model (DESIGN.md §2) and its structural validation from a plain object. Errors
 * carry JSON pointers; the document parser turns those into file positions.
 */
import { nestsDeeperThan } from '../kernel/json-depth.js';
import { pointerEscape } from './vocabulary-parser.js';

/** Deepest nesting of an obligation (as of a log payload). */
const MAX_OBLIGATION_DEPTH = 64;

export type Effect = 'allow' | 'deny' | 'review';
export const EFFECTS: readonly Effect[] = ['allow', 'deny', 'review'];

/** An obligation attached to a policy: a bare name or an object with a `type`. */
export type Obligation = string | { readonly type: string; readonly [key: string]: unknown };

export interface Policy {
  readonly id: string;
  readonly version: number;
  readonly description: string;
  readonly principles: readonly string[];
  /** Action types the policy applies to; `'*'` applies to every action. */
  readonly target: { readonly actions: readonly string[] };
  /** CEL condition over `principal`, `action`, `resource`, `context`. */
  readonly condition: string;
  readonly effect: Effect;
  /** Orders matched policies in results (higher first); never changes the combined decision. */
  readonly priority: number;
  readonly obligations: readonly Obligation[];
}

/** A structural problem, located by JSON pointer inside the policy object. */
export interface ModelError {
  readonly pointer: string;
  readonly message: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const KNOWN = new Set([
  'id',
  'version',
  'description',
  'principles',
  'target',
  'condition',
  'effect',
  'priority',
  'obligations',
]);

/** Validates a policy object; returns the policy or every structural error found. */
export function validatePolicyObject(
  input: unknown,
  base = '',
): { readonly policy?: Policy; readonly errors: ModelError[] } {
  const errors: ModelError[] = [];
  const err = (pointer: string, message: string) => errors.push({ pointer: base + pointer, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    err('', 'a policy must be an object');
    return { errors };
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!KNOWN.has(key)) err(`/${pointerEscape(key)}`, `unknown field '${key}'`);

  if (typeof o.id !== 'string' || !ID.test(o.id)) {
    err('/id', "id is required: 1-128 characters of letters, digits, '_', '.', ':', '-'");
  }
  const version = o.version ?? 1;
  if (!Number.isSafeInteger(version) || (version as number) < 1)
    err('/version', 'version must be an integer >= 1');
  const description = o.description ?? '';
  if (typeof description !== 'string') err('/description', 'description must be a string');
  const principles = o.principles ?? [];
  if (!isStringList(principles)) err('/principles', 'principles must be a list of principle ids (strings)');

  const target = o.target as { actions?: unknown } | undefined;
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    err('/target', 'target is required: { actions: [action types] }');
  } else {
    for (const key of Object.keys(target)) {
      if (key !== 'actions') err(`/target/${pointerEscape(key)}`, `unknown field '${key}'`);
    }
    if (
      !isStringList(target.actions) ||
      target.actions.length === 0 ||
      target.actions.some((a) => a === '')
    ) {
      err('/target/actions', "target.actions must be a non-empty list of action types ('*' for all)");
    }
  }
  if (typeof o.condition !== 'string' || o.condition.trim() === '') {
    err('/condition', "condition is required: a CEL expression (use 'true' to always match)");
  }
  if (typeof o.effect !== 'string' || !EFFECTS.includes(o.effect as Effect)) {
    err('/effect', `effect must be one of ${EFFECTS.join(', ')}`);
  }
  const priority = o.priority ?? 0;
  if (!Number.isSafeInteger(priority)) err('/priority', 'priority must be an integer');
  const obligations = o.obligations ?? [];
  if (!Array.isArray(obligations)) {
    err('/obligations', 'obligations must be a list');
  } else {
    obligations.forEach((ob, i) => {
      const ok =
        typeof ob === 'string' ||
        (typeof ob === 'object' &&
          ob !== null &&
          !Array.isArray(ob) &&
          typeof (ob as { type?: unknown }).type === 'string');
      if (!ok) err(`/obligations/${i}`, "an obligation is a string or an object with a string 'type'");
      // Obligations are kept and answered whole: a few thousand levels broke JSON.stringify (a 500).
      else if (nestsDeeperThan(ob, MAX_OBLIGATION_DEPTH))
        err(
          `/obligations/${i}`,
          `an obligation nests at most ${MAX_OBLIGATION_DEPTH} arrays or objects deep`,
        );
    });
  }
  if (errors.length > 0) return { errors };
  return {
    errors,
    policy: {
      id: o.id as string,
      version: version as number,
      description: description as string,
      principles: principles as string[],
      target: { actions: [...new Set((target as { actions: string[] }).actions)] },
      condition: o.condition as string,
      effect: o.effect as Effect,
      priority: priority as number,
      obligations: obligations as Obligation[],
    },
  };
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
