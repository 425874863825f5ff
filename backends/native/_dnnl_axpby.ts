/**
 * `y = alpha * x + beta * y` over long float32 arrays as one oneDNN primitive (a binary add with
 * a scale on each input, in place on `y`): vectorised and on every core, for optimizer updates of
 * large weights.
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

/** Distinct (length, alpha, beta) kept before the cache is emptied (schedules change alpha). */
const MAX_ENTRIES = 32;

/**
 * oneDNN's `axpby`, one primitive per length and coefficients.
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

  /** `y = alpha * x + beta * y` in place; false when oneDNN cannot run it. */
  run(alpha: number, x: Float32Array, beta: number, y: Float32Array): boolean {
    const n = y.length;
    if (n === 0 || x.length !== n) return false;
    const a = Math.fround(alpha), b = Math.fround(beta);
    const p = this.#entries.get(`${n}:${a}:${b}`, () => this.#make(n, a, b));
    if (!p) return false;
    this.#dnnl.execute(p, [y, x, y]);
    return true;
  }

  #make(n: number, alpha: number, beta: number): BoundPrimitive | null {
    const dnnl = this.#dnnl;
    const md = dnnl.memoryDesc([n], DNNL.tagA);
    const op = new Uint8Array(OP_DESC_BYTES);
    const st = dnnl.symbols.dnnl_binary_desc_init(op, DNNL.binaryAdd, md.ptr, md.ptr, md.ptr);
    if (st !== 0) return null;
    const attr = dnnl.scalesAttr([[DNNL.argSrc0, beta], [DNNL.argSrc1, alpha]]);
    const pd = dnnl.primitiveDesc(op, attr, null);
    dnnl.releaseAttr(attr);
    if (!pd) return null;
    const p = dnnl.bind(pd, [[DNNL.argSrc0, md], [DNNL.argSrc1, md], [DNNL.argDst, md]]);
    dnnl.releaseDesc(pd);
    return p;
  }
}
