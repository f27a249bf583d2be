/**
 * The search's only source of chance: sfc32 seeded from a 32-bit seed through splitmix32. Its
 * whole state is four integers, so a run stores it after every iteration and a resumed run
 * draws exactly the numbers an uninterrupted one would have drawn. Never Math.random.
 */
export type RandomState = readonly [number, number, number, number];

export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  private constructor(state: RandomState) {
    [this.#a, this.#b, this.#c, this.#d] = state;
  }

  /** A generator for `seed` (any safe integer; only its low 32 bits count). */
  static fromSeed(seed: number): SeededRandom {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    const random = new SeededRandom([next(), next(), next(), next()]);
    for (let i = 0; i < 12; i++) random.uint32();
    return random;
  }

  static fromState(state: RandomState): SeededRandom {
    return new SeededRandom(state);
  }

  state(): RandomState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** An index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
