/**
 * Compiles a checked condition into JavaScript closures. Each call node becomes the closure
 * of its resolved overload (`cel-call-compiler.ts`, by family), so evaluation does no type
 * dispatch; semantics (errors, overflow, short-circuit error absorption of `&&`/`||`,
 * comprehension loops) follow @bufbuild/cel. Errors are thrown as `EvalFailure` and caught by
 * the engine.
 */
import type { CallNode, CelNode, ComprehensionNode, IdentNode, MapNode, SelectNode } from './cel-ast.js';
import { compileOverload } from './cel-call-compiler.js';
import { constantOf, fuseAttributeTest, selectFromNamespace, specialize } from './cel-compiler-fast-paths.js';
import type { Evaluator } from './cel-evaluation.js';
import { fail, intLiteral, timestampValue } from './cel-runtime.js';
import type { CheckedCondition } from './cel-type-checker.js';
import { NAMESPACES } from './vocabulary-parser.js';

export type { EvalContext, Evaluator } from './cel-evaluation.js';

export interface CompiledCondition {
  readonly evaluate: Evaluator;
  /** The closure of every node, by node id (used by explain to find the false sub-expression). */
  readonly nodes: ReadonlyMap<number, Evaluator>;
  /** Comprehension variable slots the condition needs in `ctx.locals`. */
  readonly slots: number;
}

const hasOwn = Object.hasOwn;

/** Keys JavaScript would enumerate before the others (canonical array indexes). */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,8})$/;
/** A map literal's keys in written order, when JavaScript's own order differs. */
const LITERAL_KEYS = Symbol('literal key order');

/** A map's keys in iteration order: a literal's as written, a request's as the JSON had them. */
function mapKeys(map: Record<string | symbol, unknown>): string[] {
  return (map[LITERAL_KEYS] as string[] | undefined) ?? Object.keys(map);
}

export function compileCondition(checked: CheckedCondition): CompiledCondition {
  const compiler = new ConditionCompiler(checked);
  const evaluate = compiler.compile(checked.ast);
  return { evaluate, nodes: compiler.nodes, slots: compiler.slots };
}

type Namespace = (typeof NAMESPACES)[number];

/** One condition's compilation state: the closure of every node and the comprehension slots. */
class ConditionCompiler {
  readonly nodes = new Map<number, Evaluator>();
  /** Comprehension variables: slot in ctx.locals, and whether it is an accumulator (may hold an error). */
  readonly #scopes: Map<string, { slot: number; accu: boolean }>[] = [];
  #nextSlot = 0;
  slots = 0;

  constructor(private readonly checked: CheckedCondition) {}

  compile(node: CelNode): Evaluator {
    const fn = this.#compileNode(node);
    this.nodes.set(node.id, fn);
    return fn;
  }

  #isTimestamp(node: CelNode): boolean {
    return this.checked.types.get(node.id)?.kind === 'timestamp';
  }

  #compileNode(node: CelNode): Evaluator {
    switch (node.kind) {
      case 'literal': {
        const v = node.type === 'int' ? intLiteral(node.value as bigint) : node.value;
        return () => v;
      }
      case 'ident':
        return this.#compileIdent(node);
      case 'select':
        return this.#compileSelect(node);
      case 'list': {
        const elements = node.elements.map((e) => this.compile(e));
        return (ctx) => elements.map((e) => e(ctx));
      }
      case 'map':
        return this.#compileMap(node);
      case 'comprehension':
        return this.#compileComprehension(node);
      case 'call':
        return this.#compileCall(node);
    }
  }

  #compileIdent(node: IdentNode): Evaluator {
    for (let i = node.absolute ? -1 : this.#scopes.length - 1; i >= 0; i--) {
      const local = this.#scopes[i]!.get(node.name);
      if (local === undefined) continue;
      const slot = local.slot;
      if (!local.accu) return (ctx) => ctx.locals[slot];
      return (ctx) => {
        const v = ctx.locals[slot];
        if (v instanceof HeldError) throw v.error;
        return v;
      };
    }
    switch (node.name as Namespace) {
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

  #compileSelect(node: SelectNode): Evaluator {
    const operand = this.compile(node.operand);
    const field = node.field;
    const isMap = this.checked.types.get(node.operand.id)?.kind === 'map';
    if (node.testOnly) {
      return isMap
        ? (ctx) => hasOwn(operand(ctx) as object, field)
        : (ctx) => (operand(ctx) as Record<string, unknown>)[field] !== undefined;
    }
    const convert = this.#isTimestamp(node);
    if (isMap) {
      return (ctx) => {
        const o = operand(ctx) as Record<string, unknown>;
        return hasOwn(o, field) ? o[field] : fail(`no such key: ${field}`);
      };
    }
    // Vocabulary field names never collide with Object.prototype, so `undefined` means absent.
    const ns = this.#namespaceOf(node.operand);
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

  #compileMap(node: MapNode): Evaluator {
    const entries = node.entries.map((e) => [this.compile(e.key), this.compile(e.value)] as const);
    return (ctx) => {
      const out: Record<string, unknown> = Object.create(null);
      const keys: string[] = [];
      let reordered = false;
      for (const [k, v] of entries) {
        const key = k(ctx) as string;
        if (hasOwn(out, key)) fail(`Failed with repeated key: ${key}`);
        out[key] = v(ctx);
        keys.push(key);
        if (!reordered && ARRAY_INDEX.test(key)) reordered = true;
      }
      // JavaScript enumerates integer-like keys first; a literal iterates in its written order,
      // as the reference (a Map) does.
      if (reordered) Object.defineProperty(out, LITERAL_KEYS, { value: keys });
      return out;
    };
  }

  #compileComprehension(node: ComprehensionNode): Evaluator {
    const range = this.compile(node.range);
    const rangeIsMap = this.checked.types.get(node.range.id)?.kind === 'map';
    const init = this.compile(node.init);
    const iterSlot = this.#nextSlot++;
    const accuSlot = this.#nextSlot++;
    this.slots = Math.max(this.slots, this.#nextSlot);
    this.#scopes.push(
      new Map([
        [node.iterVar, { slot: iterSlot, accu: false }],
        [node.accuVar, { slot: accuSlot, accu: true }],
      ]),
    );
    const cond = this.compile(node.cond);
    const step = this.compile(node.step);
    this.#scopes.pop();
    this.#scopes.push(new Map([[node.accuVar, { slot: accuSlot, accu: true }]]));
    const result = this.compile(node.result);
    this.#scopes.pop();
    this.#nextSlot -= 2;
    return (ctx) => {
      const r = range(ctx);
      const items = rangeIsMap ? mapKeys(r as Record<string | symbol, unknown>) : (r as unknown[]);
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
  }

  #namespaceOf(node: CelNode): Namespace | undefined {
    if (node.kind !== 'ident' || (!node.absolute && this.#scopes.some((s) => s.has(node.name))))
      return undefined;
    return (NAMESPACES as readonly string[]).includes(node.name) ? (node.name as Namespace) : undefined;
  }

  /** A call: the fast path of its shape if one applies, otherwise its overload's closure. */
  #compileCall(node: CallNode): Evaluator {
    const overload = this.checked.overloads.get(node.id)!;
    const target = node.target === undefined ? undefined : this.compile(node.target);
    const args = node.args.map((arg) => this.compile(arg));
    const a = target ?? args[0]!;
    const b = target === undefined ? args[1]! : args[0]!;
    // Hot shapes (an attribute against a constant) get closures that skip the constant's call.
    const first = node.target ?? node.args[0];
    const attr = first?.kind === 'select' && !first.testOnly ? this.#namespaceOf(first.operand) : undefined;
    const k = node.args.length === 2 && node.target === undefined ? constantOf(node.args[1]!) : undefined;
    if (attr !== undefined && k !== undefined && !this.#isTimestamp(first!)) {
      const fused = fuseAttributeTest(
        overload,
        NAMESPACES.indexOf(attr),
        (first as SelectNode).field,
        k.value,
      );
      if (fused !== undefined) return fused;
    }
    const operands = node.target === undefined ? node.args : [node.target, ...node.args];
    const special = specialize(overload, operands, a, b);
    if (special !== undefined) return special;
    return compileOverload(overload, {
      node,
      a,
      b,
      args,
      compiled: (n) => this.nodes.get(n.id)!,
      yieldsTimestamp: this.#isTimestamp(node),
    });
  }
}

/** An error held in a comprehension accumulator. */
class HeldError {
  constructor(readonly error: unknown) {}
}
