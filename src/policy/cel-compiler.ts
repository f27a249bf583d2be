/**
 * Compiles a checked condition into JavaScript closures. Each call node becomes the closure
 * of its resolved overload, so evaluation does no type dispatch; semantics (errors, overflow,
 * short-circuit error absorption of `&&`/`||`, comprehension loops) follow @bufbuild/cel.
 * Errors are thrown as `EvalFailure` and caught by the engine.
 */
import { RE2JS } from '@bufbuild/re2';
import type { CelNode, ComprehensionNode } from './cel-ast.js';
import {
  chainOf,
  constantOf,
  fuseAttributeTest,
  junctionOf,
  selectFromNamespace,
  specialize,
} from './cel-compiler-fast-paths.js';
import {
  addInt,
  celEquals,
  divInt,
  doubleToInt,
  fail,
  type IntValue,
  intLiteral,
  intToDouble,
  modInt,
  mulInt,
  negInt,
  numericEquals,
  parseTimestamp,
  stringSize,
  subInt,
  timestampValue,
} from './cel-runtime.js';
import type { CheckedCondition } from './cel-type-checker.js';
import { NAMESPACES } from './vocabulary-parser.js';

/** Evaluation context: the four request namespaces and the comprehension variable slots. */
export interface EvalContext {
  principal: unknown;
  action: unknown;
  resource: unknown;
  context: unknown;
  /** The same four namespaces by index (principal, action, resource, context). */
  readonly ns: unknown[];
  readonly locals: unknown[];
}

export type Evaluator = (ctx: EvalContext) => unknown;

export interface CompiledCondition {
  readonly evaluate: Evaluator;
  /** The closure of every node, by node id (used by explain to find the false sub-expression). */
  readonly nodes: ReadonlyMap<number, Evaluator>;
  /** Comprehension variable slots the condition needs in `ctx.locals`. */
  readonly slots: number;
}

type Num = number;
const hasOwn = Object.hasOwn;

export function compileCondition(checked: CheckedCondition): CompiledCondition {
  const nodes = new Map<number, Evaluator>();
  // Comprehension variables: slot in ctx.locals, and whether it is an accumulator (may hold an error).
  const scopes: Map<string, { slot: number; accu: boolean }>[] = [];
  let nextSlot = 0;
  let maxSlot = 0;

  const compile = (node: CelNode): Evaluator => {
    const fn = compileNode(node);
    nodes.set(node.id, fn);
    return fn;
  };

  const timestampAttr = (node: CelNode) => checked.types.get(node.id)?.kind === 'timestamp';

  const compileNode = (node: CelNode): Evaluator => {
    switch (node.kind) {
      case 'literal': {
        const v = node.type === 'int' ? intLiteral(node.value as bigint) : node.value;
        return () => v;
      }
      case 'ident': {
        for (let i = scopes.length - 1; i >= 0; i--) {
          const local = scopes[i]!.get(node.name);
          if (local === undefined) continue;
          const slot = local.slot;
          if (!local.accu) return (ctx) => ctx.locals[slot];
          return (ctx) => {
            const v = ctx.locals[slot];
            if (v instanceof HeldError) throw v.error;
            return v;
          };
        }
        switch (node.name as (typeof NAMESPACES)[number]) {
          case 'principal':
            return (ctx) => ctx.principal;
          case 'action':
            return (ctx) => ctx.action;
          case 'resource':
            return (ctx) => ctx.resource;
          default:
            return (ctx) => ctx.context;
        }
      }
      case 'select': {
        const operand = compile(node.operand);
        const field = node.field;
        const isMap = checked.types.get(node.operand.id)?.kind === 'map';
        if (node.testOnly) {
          return isMap
            ? (ctx) => hasOwn(operand(ctx) as object, field)
            : (ctx) => (operand(ctx) as Record<string, unknown>)[field] !== undefined;
        }
        const convert = timestampAttr(node);
        if (isMap) {
          return (ctx) => {
            const o = operand(ctx) as Record<string, unknown>;
            return hasOwn(o, field) ? o[field] : fail(`no such key: ${field}`);
          };
        }
        // Vocabulary field names never collide with Object.prototype, so `undefined` means absent.
        const ns = namespaceOf(node.operand);
        if (ns !== undefined && !convert) return selectFromNamespace(ns, field);
        return convert
          ? (ctx) => {
              const v = (operand(ctx) as Record<string, unknown>)[field];
              return v === undefined ? fail(`no such key: ${field}`) : timestampValue(v);
            }
          : (ctx) => {
              const v = (operand(ctx) as Record<string, unknown>)[field];
              return v === undefined ? fail(`no such key: ${field}`) : v;
            };
      }
      case 'list': {
        const elements = node.elements.map(compile);
        return (ctx) => elements.map((e) => e(ctx));
      }
      case 'map': {
        const entries = node.entries.map((e) => [compile(e.key), compile(e.value)] as const);
        return (ctx) => {
          const out: Record<string, unknown> = Object.create(null);
          for (const [k, v] of entries) {
            const key = k(ctx) as string;
            if (hasOwn(out, key)) fail(`Failed with repeated key: ${key}`);
            out[key] = v(ctx);
          }
          return out;
        };
      }
      case 'comprehension':
        return compileComprehension(node);
      case 'call':
        return compileCall(node);
    }
  };

  const compileComprehension = (node: ComprehensionNode): Evaluator => {
    const range = compile(node.range);
    const rangeIsMap = checked.types.get(node.range.id)?.kind === 'map';
    const init = compile(node.init);
    const iterSlot = nextSlot++;
    const accuSlot = nextSlot++;
    maxSlot = Math.max(maxSlot, nextSlot);
    scopes.push(
      new Map([
        [node.iterVar, { slot: iterSlot, accu: false }],
        [node.accuVar, { slot: accuSlot, accu: true }],
      ]),
    );
    const cond = compile(node.cond);
    const step = compile(node.step);
    scopes.pop();
    scopes.push(new Map([[node.accuVar, { slot: accuSlot, accu: true }]]));
    const result = compile(node.result);
    scopes.pop();
    nextSlot -= 2;
    return (ctx) => {
      const r = range(ctx);
      const items = rangeIsMap ? Object.keys(r as object) : (r as unknown[]);
      const locals = ctx.locals;
      locals[accuSlot] = init(ctx);
      for (let i = 0; i < items.length; i++) {
        locals[iterSlot] = items[i];
        if (cond(ctx) !== true) break;
        // CEL keeps an error in the accumulator; a later `false && error` step can still clear it.
        try {
          locals[accuSlot] = step(ctx);
        } catch (e) {
          locals[accuSlot] = new HeldError(e);
        }
      }
      return result(ctx);
    };
  };

  const namespaceOf = (node: CelNode): (typeof NAMESPACES)[number] | undefined => {
    if (node.kind !== 'ident' || scopes.some((s) => s.has(node.name))) return undefined;
    return (NAMESPACES as readonly string[]).includes(node.name)
      ? (node.name as (typeof NAMESPACES)[number])
      : undefined;
  };

  const compileCall = (node: Extract<CelNode, { kind: 'call' }>): Evaluator => {
    const overload = checked.overloads.get(node.id)!;
    const target = node.target === undefined ? undefined : compile(node.target);
    const args = node.args.map(compile);
    const a = target ?? args[0]!;
    const b = target === undefined ? args[1]! : args[0]!;
    // Hot shapes (an attribute against a constant) get closures that skip the constant's call.
    const first = node.target ?? node.args[0];
    const attr = first?.kind === 'select' && !first.testOnly ? namespaceOf(first.operand) : undefined;
    const k = node.args.length === 2 && node.target === undefined ? constantOf(node.args[1]!) : undefined;
    if (attr !== undefined && k !== undefined && checked.types.get(first!.id)?.kind !== 'timestamp') {
      const fused = fuseAttributeTest(
        overload,
        NAMESPACES.indexOf(attr),
        (first as { field: string }).field,
        k.value,
      );
      if (fused !== undefined) return fused;
    }
    const special = specialize(
      overload,
      node.target === undefined ? node.args : [node.target, ...node.args],
      a,
      b,
    );
    if (special !== undefined) return special;
    switch (overload) {
      case 'and':
        return junctionOf(
          chainOf(node, '_&&_').map((n) => nodes.get(n.id)!),
          false,
        );
      case 'or':
        return junctionOf(
          chainOf(node, '_||_').map((n) => nodes.get(n.id)!),
          true,
        );
      case 'not':
        return (ctx) => !a(ctx);
      case 'not_strictly_false':
        return (ctx) => {
          try {
            return a(ctx) !== false;
          } catch {
            return true;
          }
        };
      case 'cond': {
        const c = args[2]!;
        return (ctx) => (a(ctx) ? b(ctx) : c(ctx));
      }
      case 'eq_strict':
        return (ctx) => a(ctx) === b(ctx);
      case 'ne_strict':
        return (ctx) => a(ctx) !== b(ctx);
      case 'eq_loose':
        return (ctx) => numericEquals(a(ctx), b(ctx));
      case 'ne_loose':
        return (ctx) => !numericEquals(a(ctx), b(ctx));
      case 'eq_generic':
        return (ctx) => celEquals(a(ctx), b(ctx));
      case 'ne_generic':
        return (ctx) => !celEquals(a(ctx), b(ctx));
      case 'lt':
        return (ctx) => (a(ctx) as Num) < (b(ctx) as Num);
      case 'le':
        return (ctx) => (a(ctx) as Num) <= (b(ctx) as Num);
      case 'gt':
        return (ctx) => (a(ctx) as Num) > (b(ctx) as Num);
      case 'ge':
        return (ctx) => (a(ctx) as Num) >= (b(ctx) as Num);
      // Mixed int/double comparisons go through Number(), as @bufbuild/cel does.
      case 'lt_int_double':
      case 'lt_double_int':
        return (ctx) => Number(a(ctx)) < Number(b(ctx));
      case 'le_int_double':
      case 'le_double_int':
        return (ctx) => Number(a(ctx)) <= Number(b(ctx));
      case 'gt_int_double':
      case 'gt_double_int':
        return (ctx) => Number(a(ctx)) > Number(b(ctx));
      case 'ge_int_double':
      case 'ge_double_int':
        return (ctx) => Number(a(ctx)) >= Number(b(ctx));
      case 'add_int':
        return (ctx) => addInt(a(ctx) as IntValue, b(ctx) as IntValue);
      case 'sub_int':
        return (ctx) => subInt(a(ctx) as IntValue, b(ctx) as IntValue);
      case 'mul_int':
        return (ctx) => mulInt(a(ctx) as IntValue, b(ctx) as IntValue);
      case 'div_int':
        return (ctx) => divInt(a(ctx) as IntValue, b(ctx) as IntValue);
      case 'mod_int':
        return (ctx) => modInt(a(ctx) as IntValue, b(ctx) as IntValue);
      case 'neg_int':
        return (ctx) => negInt(a(ctx) as IntValue);
      case 'add_double':
        return (ctx) => (a(ctx) as Num) + (b(ctx) as Num);
      case 'sub_double':
        return (ctx) => (a(ctx) as Num) - (b(ctx) as Num);
      case 'mul_double':
        return (ctx) => (a(ctx) as Num) * (b(ctx) as Num);
      case 'div_double':
        return (ctx) => (a(ctx) as Num) / (b(ctx) as Num);
      case 'neg_double':
        return (ctx) => -(a(ctx) as Num);
      case 'add_string':
        return (ctx) => (a(ctx) as string) + (b(ctx) as string);
      case 'add_list':
        return (ctx) => (a(ctx) as unknown[]).concat(b(ctx) as unknown[]);
      case 'in_list_strict':
        return (ctx) => {
          const x = a(ctx);
          return (b(ctx) as unknown[]).includes(x);
        };
      case 'in_list_generic':
        return (ctx) => {
          const x = a(ctx);
          const list = b(ctx) as unknown[];
          for (let i = 0; i < list.length; i++) if (celEquals(list[i], x)) return true;
          return false;
        };
      case 'in_map':
        return (ctx) => {
          const x = a(ctx) as string;
          return hasOwn(b(ctx) as object, x);
        };
      case 'index_list': {
        const ts = timestampAttr(node);
        return (ctx) => {
          const list = a(ctx) as unknown[];
          const i = b(ctx) as IntValue;
          if (typeof i !== 'number' || i < 0 || i >= list.length) fail(`index out of bounds: ${i}`);
          return ts ? timestampValue(list[i as number]) : list[i as number];
        };
      }
      case 'index_map': {
        const ts = timestampAttr(node);
        return (ctx) => {
          const m = a(ctx) as Record<string, unknown>;
          const k = b(ctx) as string;
          if (!hasOwn(m, k)) fail(`no such key: ${k}`);
          return ts ? timestampValue(m[k]) : m[k];
        };
      }
      case 'size_string':
        return (ctx) => stringSize(a(ctx) as string);
      case 'size_list':
        return (ctx) => (a(ctx) as unknown[]).length;
      case 'size_map':
        return (ctx) => Object.keys(a(ctx) as object).length;
      case 'contains':
        return (ctx) => (a(ctx) as string).includes(b(ctx) as string);
      case 'startsWith':
        return (ctx) => (a(ctx) as string).startsWith(b(ctx) as string);
      case 'endsWith':
        return (ctx) => (a(ctx) as string).endsWith(b(ctx) as string);
      case 'matches': {
        const pattern = node.args[0]!;
        if (pattern.kind === 'literal') {
          const re = RE2JS.compile(pattern.value as string);
          return (ctx) => re.test(a(ctx) as string);
        }
        return (ctx) => {
          const s = a(ctx) as string;
          return RE2JS.compile(b(ctx) as string).test(s);
        };
      }
      case 'identity':
        return a;
      case 'int_double':
        return (ctx) => doubleToInt(a(ctx) as number);
      case 'double_int':
        return (ctx) => intToDouble(a(ctx) as IntValue);
      case 'string_int':
      case 'string_bool':
        return (ctx) => String(a(ctx));
      case 'timestamp_string': {
        const t = parseTimestamp((node.args[0] as { value: string }).value)!;
        return () => t;
      }
      default:
        throw new Error(`compiler has no implementation for overload '${overload}'`);
    }
  };

  const evaluate = compile(checked.ast);
  return { evaluate, nodes, slots: maxSlot };
}

/** An error held in a comprehension accumulator. */
class HeldError {
  constructor(readonly error: unknown) {}
}
