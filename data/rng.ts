/**
 * A small seeded random generator (sfc32) whose whole state is four 32-bit numbers, so a
 * checkpoint can store it and a resumed run draws the same numbers as an uninterrupted one.
 *
 * @example
 * ```ts
 * import { Rng } from "@graft/graft/data";
 * const a = new Rng(42);
 * const b = Rng.fromState(a.state());
 * console.log(a.next() === b.next()); // true
 * ```
 */
export class Rng {
  #s: Uint32Array;

  /** Seeds the generator; the same seed gives the same sequence. */
  constructor(seed = 0) {
    // splitmix32 spreads the seed over the four state words.
    let x = seed >>> 0;
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.#s = s;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator continuing from a state returned by {@linkcode Rng.state}. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new RangeError(`Invalid random state: expected four 32-bit integers, got ${state}`);
    }
    const rng = new Rng(0);
    rng.#s = Uint32Array.from(state);
    return rng;
  }

  /** The state as four 32-bit integers (plain JSON). */
  state(): number[] {
    return Array.from(this.#s);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!;
    const t = (((a + b) >>> 0) + d) >>> 0;
    s[3] = (d + 1) >>> 0;
    s[0] = (b ^ (b >>> 9)) >>> 0;
    s[1] = (c + (c << 3)) >>> 0;
    const r = ((c << 21) | (c >>> 11)) >>> 0;
    s[2] = (r + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}
