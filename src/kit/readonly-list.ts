import { type ArrayOptions, type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * `Type.Array` whose static type is `readonly T[]`, so a route typed by the TypeBox provider can
 * return the domain's readonly arrays as they are (the JSON Schema is the same as Type.Array's).
 *
 * @example
 * const BundleList = Type.Object({ bundles: ReadonlyList(BundleSummary) });
 */
export function ReadonlyList<T extends TSchema>(
  items: T,
  options?: ArrayOptions,
): TUnsafe<readonly Static<T>[]> {
  return Type.Unsafe<readonly Static<T>[]>(Type.Array(items, options));
}
