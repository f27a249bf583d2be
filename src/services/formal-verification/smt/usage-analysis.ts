/**
 * What the conditions of one verification read from the request, computed before encoding so
 * the request model can be sized (see request-schema.ts):
 * - element slots per list attribute: 1 per membership test, 2 per all/exists (a witness for the
 *   deciding element and one for an error), plus the highest literal index + 1;
 * - literal keys per map attribute (every string literal of the conditions, an over-approximation);
 * - which string attributes are only ever compared for equality (`==`, `!=`, `in`) with literals
 *   or with each other: those are modelled as integers (one code per literal, any other integer a
 *   distinct other string), which is exact for equality and much easier for the solver than
 *   string theory. Everything else stays a string.
 * Over-approximating slots or keys never changes an answer; it only costs solver time.
 */
import type { CelNode } from '../../../policy/cel-ast.js';
import type { CheckedCondition } from '../../../policy/cel-type-checker.js';
import { MAX_REQUEST_COLLECTION } from '../../../policy/request-validator.js';
import { type CollectionUsage, RequestSchema } from './request-schema.js';

export interface UsageAccumulator {
  readonly slots: Map<string, number>;
  readonly keys: Map<string, Set<string>>;
  readonly literals: Set<string>;
  /** Union-find over string sources (`path`, `path[]` list elements, `path{}` map values). */
  readonly parent: Map<string, string>;
  /** Sources used in a way only string theory models. */
  readonly concrete: Set<string>;
}

export function newUsage(): UsageAccumulator {
  return { slots: new Map(), keys: new Map(), literals: new Set(), parent: new Map(), concrete: new Set() };
}

function find(acc: UsageAccumulator, x: string): string {
  let r = x;
  while (acc.parent.has(r) && acc.parent.get(r) !== r) r = acc.parent.get(r)!;
  if (!acc.parent.has(r)) acc.parent.set(r, r);
  return r;
}

function union(acc: UsageAccumulator, a: string, b: string): void {
  const ra = find(acc, a);
  const rb = find(acc, b);
  if (ra !== rb) acc.parent.set(ra, rb);
}

type Source =
  | { readonly kind: 'literal' }
  | { readonly kind: 'source'; readonly id: string }
  | { readonly kind: 'complex' };

/** Adds one condition's usage to `acc`. */
export function collectUsage(checked: CheckedCondition, acc: UsageAccumulator): void {
  const typeOf = (node: CelNode) => checked.types.get(node.id);
  const overload = (node: CelNode) => (node.kind === 'call' ? checked.overloads.get(node.id) : undefined);
  const scopes: Map<string, string | undefined>[] = [];
  const strings = new Set<string>();
  const maps = new Set<string>();

  const local = (name: string) => lookupLocal(scopes, name);
  const pathOf = (node: CelNode): string | undefined => {
    if (node.kind === 'ident')
      return local(node.name).found || !RequestSchema.isNamespace(node.name) ? undefined : node.name;
    if (node.kind === 'select' && !node.testOnly) {
      const base = pathOf(node.operand);
      return base === undefined ? undefined : `${base}.${node.field}`;
    }
    return undefined;
  };
  const addSlots = (path: string, n: number) => acc.slots.set(path, (acc.slots.get(path) ?? 0) + n);

  /** Where a string-typed expression's value comes from. */
  const sourceOf = (node: CelNode): Source => {
    if (node.kind === 'literal') return { kind: 'literal' };
    if (node.kind === 'ident') {
      const l = local(node.name);
      if (l.found) return l.source === undefined ? { kind: 'literal' } : { kind: 'source', id: l.source };
      return { kind: 'complex' };
    }
    if (node.kind === 'select' && !node.testOnly) {
      if (typeOf(node.operand)?.kind === 'map') {
        const p = pathOf(node.operand);
        return p === undefined ? { kind: 'complex' } : { kind: 'source', id: `${p}{}` };
      }
      const p = pathOf(node);
      return p === undefined ? { kind: 'complex' } : { kind: 'source', id: p };
    }
    if (node.kind === 'call' && overload(node) === 'index_map') {
      const p = pathOf(node.args[0]!);
      return p === undefined ? { kind: 'complex' } : { kind: 'source', id: `${p}{}` };
    }
    if (node.kind === 'call' && overload(node) === 'index_list') {
      const p = pathOf(node.args[0]!);
      return p === undefined ? { kind: 'complex' } : { kind: 'source', id: `${p}[]` };
    }
    return { kind: 'complex' };
  };

  /** Visits an operand of an equality or membership test: a bare source is not a "concrete" use. */
  const visitCompared = (node: CelNode): Source => {
    const s = typeOf(node)?.kind === 'string' ? sourceOf(node) : ({ kind: 'complex' } as Source);
    // A bare source is read as an operand; `l[0]` and `m.k` still need their slot or key.
    visit(node, s.kind !== 'complex');
    return s;
  };
  const link = (sources: readonly Source[]) => linkSources(acc, sources);

  const visitChildren = (node: CelNode): void => {
    switch (node.kind) {
      case 'select':
        visit(node.operand, true);
        return;
      case 'call':
        if (node.target !== undefined) visit(node.target);
        for (const a of node.args) visit(a);
        return;
      default:
        return;
    }
  };

  const visit = (node: CelNode, asOperand = false): void => {
    if (!asOperand && typeOf(node)?.kind === 'string') {
      const s = sourceOf(node);
      if (s.kind === 'source') acc.concrete.add(s.id);
    }
    switch (node.kind) {
      case 'literal':
        if (typeof node.value === 'string') {
          strings.add(node.value);
          acc.literals.add(node.value);
        }
        return;
      case 'ident':
        return;
      case 'select': {
        if (typeOf(node.operand)?.kind === 'map') {
          strings.add(node.field);
          acc.literals.add(node.field);
          const p = pathOf(node.operand);
          if (p !== undefined) maps.add(p);
        }
        const p = pathOf(node);
        if (p !== undefined && typeOf(node)?.kind === 'map') maps.add(p);
        visit(node.operand, true);
        return;
      }
      case 'list':
        for (const e of node.elements) visit(e);
        return;
      case 'map':
        for (const e of node.entries) {
          visit(e.key);
          visit(e.value);
        }
        return;
      case 'comprehension': {
        const listPath = pathOf(node.range);
        if (listPath !== undefined && typeOf(node.range)?.kind === 'list') addSlots(listPath, 2);
        visit(node.range, listPath !== undefined);
        visit(node.init);
        const elemIsString =
          typeOf(node.range)?.kind === 'list' &&
          (typeOf(node.range) as { elem: { kind: string } }).elem.kind === 'string';
        const iterSource = listPath !== undefined && elemIsString ? `${listPath}[]` : undefined;
        scopes.push(
          new Map([
            [node.iterVar, iterSource],
            [node.accuVar, undefined],
          ]),
        );
        visit(node.cond);
        visit(node.step);
        scopes.pop();
        scopes.push(new Map([[node.accuVar, undefined]]));
        visit(node.result);
        scopes.pop();
        return;
      }
      case 'call': {
        const o = overload(node);
        if ((o === 'eq_strict' || o === 'ne_strict') && typeOf(node.args[0]!)?.kind === 'string') {
          link([visitCompared(node.args[0]!), visitCompared(node.args[1]!)]);
          return;
        }
        if ((o === 'in_list_strict' || o === 'in_list_generic') && typeOf(node.args[0]!)?.kind === 'string') {
          const x = visitCompared(node.args[0]!);
          const list = node.args[1]!;
          const listPath = pathOf(list);
          if (list.kind === 'list') {
            link([x, ...list.elements.map(visitCompared)]);
          } else if (listPath !== undefined) {
            addSlots(listPath, 1);
            visit(list, true);
            link([x, { kind: 'source', id: `${listPath}[]` }]);
          } else {
            link([x, { kind: 'complex' }]);
            visit(list);
          }
          return;
        }
        if (o === 'in_list_strict' || o === 'in_list_generic') {
          const listPath = pathOf(node.args[1]!);
          if (listPath !== undefined) addSlots(listPath, 1);
        }
        if (o === 'index_list') {
          const p = pathOf(node.args[0]!);
          const idx = node.args[1]!;
          if (p !== undefined && idx.kind === 'literal' && typeof idx.value === 'bigint' && idx.value >= 0n) {
            if (idx.value < BigInt(MAX_REQUEST_COLLECTION)) addSlots(p, Number(idx.value) + 1);
          }
        }
        if (o === 'size_list' || o === 'index_list' || o === 'in_list_strict' || o === 'in_list_generic') {
          if (node.target !== undefined) visit(node.target, true);
          // The list operand is read through the construct, not as a value of its own.
          const listArg = o === 'size_list' || o === 'index_list' ? 0 : 1;
          for (const [i, a] of node.args.entries()) visit(a, i === listArg);
          return;
        }
        visitChildren(node);
        return;
      }
    }
  };
  visit(checked.ast);
  for (const p of maps) {
    const keys = acc.keys.get(p) ?? new Set<string>();
    for (const s of strings) keys.add(s);
    acc.keys.set(p, keys);
  }
}

/** The usage the request schema takes: slots, keys, integer-coded strings and the literal codes. */
export function finishUsage(acc: UsageAccumulator): CollectionUsage {
  const concreteRoots = new Set([...acc.concrete].map((c) => find(acc, c)));
  const coded = new Set<string>();
  for (const id of acc.parent.keys()) if (!concreteRoots.has(find(acc, id))) coded.add(id);
  return {
    slots: acc.slots,
    keys: new Map([...acc.keys].map(([k, v]) => [k, [...v].sort()])),
    codedStrings: coded,
    literals: [...acc.literals].sort(),
  };
}

/** Sources compared with each other share a class; a comparison with anything computed makes them strings. */
function linkSources(acc: UsageAccumulator, sources: readonly Source[]): void {
  const ids = sources.filter((s) => s.kind === 'source').map((s) => (s as { id: string }).id);
  if (sources.some((s) => s.kind === 'complex')) for (const id of ids) acc.concrete.add(id);
  for (let i = 1; i < ids.length; i++) union(acc, ids[0]!, ids[i]!);
  for (const id of ids) find(acc, id);
}

/** A comprehension variable in scope, and the string source it iterates (if any). */
function lookupLocal(
  scopes: readonly Map<string, string | undefined>[],
  name: string,
): { found: boolean; source?: string } {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i]!.has(name)) {
      const source = scopes[i]!.get(name);
      return source === undefined ? { found: true } : { found: true, source };
    }
  }
  return { found: false };
}
