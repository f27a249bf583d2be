/**
 * `startsWith` and `endsWith` as two solver functions defined per session. Both definitions of
 * each mean exactly the engine's code-unit prefix/suffix test; they differ in how Z3's sequence
 * solver fares with them, and neither wins everywhere: the native `str.suffixof` answered the
 * example's `all(r, r.endsWith(...))` conflicts 10–60× faster than a `substr` equality, but
 * timed out `contains(x) && !endsWith(x)`, which the `substr` form answers at once. A session
 * asks with the native form and, when that does not settle a query, again with the other
 * (verification-session.ts): a portfolio of two exact encodings, never an approximation.
 */

/** Applied by the condition encoder: `(|str.starts_with| s prefix)`, `(|str.ends_with| s suffix)`. */
export const STARTS_WITH = '|str.starts_with|';
export const ENDS_WITH = '|str.ends_with|';

export type AffixForm = 'native' | 'substr';

/** The two definitions, in the given form. */
export function affixDefinitions(form: AffixForm): string[] {
  if (form === 'native') {
    return [
      `(define-fun ${STARTS_WITH} ((s String) (p String)) Bool (str.prefixof p s))`,
      `(define-fun ${ENDS_WITH} ((s String) (p String)) Bool (str.suffixof p s))`,
    ];
  }
  return [
    `(define-fun ${STARTS_WITH} ((s String) (p String)) Bool (and (<= (str.len p) (str.len s)) (= (str.substr s 0 (str.len p)) p)))`,
    `(define-fun ${ENDS_WITH} ((s String) (p String)) Bool (and (<= (str.len p) (str.len s)) (= (str.substr s (- (str.len s) (str.len p)) (str.len p)) p)))`,
  ];
}

/** Do these definitions use the affix functions (so that the other form may settle what one does not)? */
export function usesAffixes(definitions: readonly string[]): boolean {
  return definitions.some((d) => d.includes(STARTS_WITH) || d.includes(ENDS_WITH));
}
