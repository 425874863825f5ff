/**
 * The ReLU gradient as oneDNN's element-wise backward primitive (vectorised, on every core):
 * `dx = dy` where `x > 0`, else 0.
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

/** Distinct sizes kept before the cache is emptied. */
const MAX_ENTRIES = 64;

/**
 * oneDNN's ReLU backward, one primitive per element count.
 *
 * @example
 * ```ts ignore
 * const grad = new DnnlReluGrad(context);
 * const dx = grad.backward(x, dy);
 * ```
 */
export class DnnlReluGrad {
  readonly #dnnl: DnnlContext;
  readonly #entries: PrimitiveCache<BoundPrimitive>;

  /**
   * @example
   * ```ts ignore
   * const grad = new DnnlReluGrad(context);
   * ```
   */
  constructor(dnnl: DnnlContext) {
    this.#dnnl = dnnl;
    this.#entries = new PrimitiveCache(MAX_ENTRIES, (p) => dnnl.release(p));
  }

  /** `dy` where `x > 0`, else 0; undefined when oneDNN cannot run it. */
  backward(x: Float32Array, dy: Float32Array): Float32Array | undefined {
    const n = x.length;
    if (n === 0 || dy.length !== n) return undefined;
    const p = this.#entries.get(String(n), () => this.#make(n));
    if (!p) return undefined;
    const dx = new Float32Array(n);
    this.#dnnl.execute(p, [x, dy, dx]);
    return dx;
  }

  #make(n: number): BoundPrimitive | null {
    const dnnl = this.#dnnl;
    const s = dnnl.symbols;
    const md = dnnl.memoryDesc([n], DNNL.tagA);
    const fop = new Uint8Array(OP_DESC_BYTES);
    const st = s.dnnl_eltwise_forward_desc_init(
      fop,
      DNNL.forwardTraining,
      DNNL.eltwiseRelu,
      md.ptr,
      0,
      0,
    );
    const hint = st === 0 ? dnnl.primitiveDesc(fop, null, null) : undefined;
    if (!hint) return null;
    const bop = new Uint8Array(OP_DESC_BYTES);
    const bpd = s.dnnl_eltwise_backward_desc_init(bop, DNNL.eltwiseRelu, md.ptr, md.ptr, 0, 0) === 0
      ? dnnl.primitiveDesc(bop, null, hint)
      : undefined;
    dnnl.releaseDesc(hint);
    if (!bpd) return null;
    const p = dnnl.bind(bpd, [[DNNL.argSrc, md], [DNNL.argDiffDst, md], [DNNL.argDiffSrc, md]]);
    dnnl.releaseDesc(bpd);
    return p;
  }
}
