/**
 * Training-mode batch normalisation over the last axis as oneDNN primitives (vectorised, on
 * every core): batch statistics and output forward, input, scale and shift gradients backward.
 * The data is described as NHWC with the rows as the batch, so any `[rows, channels]` layout
 * fits.
 *
 * @module
 */
import {
  type BoundPrimitive,
  DNNL,
  type DnnlContext,
  type MemoryDesc,
  OP_DESC_BYTES,
  PrimitiveCache,
} from "./_dnnl.ts";
import type {
  BatchNormBackward,
  BatchNormForward,
  BatchNormImplementation,
} from "../../tfjs_kernels/batch_norm_training.ts";

interface Entry {
  readonly forward: BoundPrimitive;
  readonly backward: BoundPrimitive;
}

/** Distinct shapes kept before the cache is emptied. */
const MAX_ENTRIES = 64;

/**
 * oneDNN batch normalisation with the batch's statistics.
 *
 * @example
 * ```ts ignore
 * const bn = new DnnlBatchNorm(context);
 * const r = bn.forward(x, gamma, beta, 1e-5);
 * ```
 */
export class DnnlBatchNorm implements BatchNormImplementation {
  readonly #dnnl: DnnlContext;
  readonly #entries: PrimitiveCache<Entry>;

  /**
   * @example
   * ```ts ignore
   * const bn = new DnnlBatchNorm(context);
   * ```
   */
  constructor(dnnl: DnnlContext) {
    this.#dnnl = dnnl;
    this.#entries = new PrimitiveCache(MAX_ENTRIES, (e) => {
      dnnl.release(e.forward);
      dnnl.release(e.backward);
    });
  }

  /** Output, batch mean and biased variance; undefined when oneDNN cannot run the shape. */
  forward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
  ): BatchNormForward | undefined {
    const c = gamma.length;
    const e = this.#entry(x.length / c, c, epsilon);
    if (!e) return undefined;
    const y = new Float32Array(x.length);
    const mean = new Float32Array(c), variance = new Float32Array(c);
    this.#dnnl.execute(e.forward, [x, gamma, beta, y, mean, variance]);
    return { y, mean, variance };
  }

  /** Gradients with respect to `x`, `gamma` and `beta`; undefined when unsupported. */
  backward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    epsilon: number,
  ): BatchNormBackward | undefined {
    const c = gamma.length;
    const e = this.#entry(x.length / c, c, epsilon);
    if (!e) return undefined;
    const dx = new Float32Array(x.length);
    const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
    // oneDNN takes the shift as an input of the backward pass, though the gradients do not use it.
    const shift = new Float32Array(c);
    this.#dnnl.execute(e.backward, [x, mean, variance, dy, gamma, shift, dx, dgamma, dbeta]);
    return { dx, dgamma, dbeta };
  }

  #entry(rows: number, c: number, epsilon: number): Entry | null {
    if (!Number.isInteger(rows) || rows === 0 || c === 0) return null;
    return this.#entries.get(`${rows},${c},${epsilon}`, () => this.#make(rows, c, epsilon));
  }

  #make(rows: number, c: number, epsilon: number): Entry | null {
    const dnnl = this.#dnnl;
    const s = dnnl.symbols;
    const data = dnnl.memoryDesc([rows, c, 1, 1], DNNL.tagNhwc);
    const channel: MemoryDesc = dnnl.memoryDesc([c], DNNL.tagA);
    const flags = DNNL.useScale | DNNL.useShift;
    const fop = new Uint8Array(OP_DESC_BYTES);
    const fst = s.dnnl_batch_normalization_forward_desc_init(
      fop,
      DNNL.forwardTraining,
      data.ptr,
      epsilon,
      flags,
    );
    const fpd = fst === 0 ? dnnl.primitiveDesc(fop, null, null) : undefined;
    if (!fpd) return null;
    const bop = new Uint8Array(OP_DESC_BYTES);
    const bst = s.dnnl_batch_normalization_backward_desc_init(
      bop,
      DNNL.backward,
      data.ptr,
      data.ptr,
      epsilon,
      flags,
    );
    const bpd = bst === 0 ? dnnl.primitiveDesc(bop, null, fpd) : undefined;
    if (!bpd) {
      dnnl.releaseDesc(fpd);
      return null;
    }
    const forward = dnnl.bind(fpd, [
      [DNNL.argSrc, data],
      [DNNL.argScale, channel],
      [DNNL.argShift, channel],
      [DNNL.argDst, data],
      [DNNL.argMean, channel],
      [DNNL.argVariance, channel],
    ]);
    const backward = dnnl.bind(bpd, [
      [DNNL.argSrc, data],
      [DNNL.argMean, channel],
      [DNNL.argVariance, channel],
      [DNNL.argDiffDst, data],
      [DNNL.argScale, channel],
      [DNNL.argShift, channel],
      [DNNL.argDiffSrc, data],
      [DNNL.argDiffScale, channel],
      [DNNL.argDiffShift, channel],
    ]);
    dnnl.releaseDesc(fpd);
    dnnl.releaseDesc(bpd);
    return { forward, backward };
  }
}
