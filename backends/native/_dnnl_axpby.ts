/**
 * `y = alpha * x + beta * y` over long float32 arrays as one oneDNN primitive, in place on `y`:
 * a binary multiply of `x` by `alpha` (a one-element tensor, broadcast) with a sum post-op that
 * adds `beta * y`. Vectorised and on every core, for optimizer updates of large weights.
 *
 * `alpha` is data, not part of the primitive, so a learning-rate schedule that changes it every
 * step reuses the same primitive; `beta` (1, or SGD's momentum) is fixed per primitive.
 *
 * @module
 */
import {
  type BoundPrimitive,
  DNNL,
  type DnnlContext,
  OP_DESC_BYTES,
  PrimitiveCache,
} from "./_dnnl.ts";

/** Distinct (length, beta) kept before the cache is emptied. */
const MAX_ENTRIES = 32;

/**
 * oneDNN's `axpby`, one primitive per length and `beta`.
 *
 * @example
 * ```ts ignore
 * const axpby = new DnnlAxpby(context);
 * axpby.run(-0.01, gradient, 1, weights); // weights -= 0.01 * gradient
 * ```
 */
export class DnnlAxpby {
  readonly #dnnl: DnnlContext;
  readonly #entries: PrimitiveCache<BoundPrimitive>;
  readonly #alpha = new Float32Array(1);
  #made = 0;

  /**
   * @example
   * ```ts ignore
   * const axpby = new DnnlAxpby(context);
   * ```
   */
  constructor(dnnl: DnnlContext) {
    this.#dnnl = dnnl;
    this.#entries = new PrimitiveCache(MAX_ENTRIES, (p) => dnnl.release(p));
  }

  /** How many primitives were made so far (each costs a JIT compile). */
  get made(): number {
    return this.#made;
  }

  /** `y = alpha * x + beta * y` in place; false when oneDNN cannot run it. */
  run(alpha: number, x: Float32Array, beta: number, y: Float32Array): boolean {
    const n = y.length;
    if (n === 0 || x.length !== n) return false;
    const b = Math.fround(beta);
    const p = this.#entries.get(`${n}:${b}`, () => this.#make(n, b));
    if (!p) return false;
    this.#alpha[0] = alpha;
    this.#dnnl.execute(p, [x, this.#alpha, y]);
    return true;
  }

  #make(n: number, beta: number): BoundPrimitive | null {
    const dnnl = this.#dnnl;
    const md = dnnl.memoryDesc([n], DNNL.tagA);
    const one = dnnl.memoryDesc([1], DNNL.tagA);
    const op = new Uint8Array(OP_DESC_BYTES);
    const st = dnnl.symbols.dnnl_binary_desc_init(op, DNNL.binaryMul, md.ptr, one.ptr, md.ptr);
    if (st !== 0) return null;
    const attr = dnnl.sumAttr(beta);
    const pd = dnnl.primitiveDesc(op, attr, null);
    dnnl.releaseAttr(attr);
    if (!pd) return null;
    const p = dnnl.bind(pd, [[DNNL.argSrc0, md], [DNNL.argSrc1, one], [DNNL.argDst, md]]);
    dnnl.releaseDesc(pd);
    this.#made++;
    return p;
  }
}
