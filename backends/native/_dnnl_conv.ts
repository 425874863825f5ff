/**
 * 2-D convolutions (NHWC activations, HWIO filters) as oneDNN direct-convolution primitives:
 * forward with fused bias and ReLU, and both gradients. Activations stay in TensorFlow.js's
 * NHWC layout; filters are reordered into the blocked layout oneDNN's JIT kernels want on every
 * call (they change every step), through one shared scratch buffer. Primitives are created once
 * per geometry and kept.
 *
 * @module
 */
import type { ConvGeometry } from "../../tfjs_kernels/conv_geometry.ts";
import type { FusedActivation } from "./_types.ts";
import {
  type BoundPrimitive,
  DNNL,
  type DnnlContext,
  dnnlDims as dims,
  type MemoryDesc,
  OP_DESC_BYTES,
  PrimitiveCache,
} from "./_dnnl.ts";

/** Distinct geometries kept before the cache is emptied (new batch sizes add entries). */
const MAX_ENTRIES = 96;

/** One convolution primitive and the reorder between its filter layout and HWIO. */
interface ConvEntry {
  readonly conv: BoundPrimitive;
  readonly reorder: BoundPrimitive | undefined;
  /** Floats of the filter in the primitive's layout (the scratch it needs). */
  readonly weightFloats: number;
}

type Entry = ConvEntry | null;

/** Shapes and steps of one convolution in oneDNN's terms. */
interface Described {
  readonly src: MemoryDesc;
  readonly dst: MemoryDesc;
  readonly userWeights: MemoryDesc;
  readonly anyWeights: MemoryDesc;
  readonly bias: MemoryDesc;
  readonly strides: BigInt64Array<ArrayBuffer>;
  readonly dilates: BigInt64Array<ArrayBuffer>;
  readonly padL: BigInt64Array<ArrayBuffer>;
  readonly padR: BigInt64Array<ArrayBuffer>;
}

/**
 * oneDNN convolutions for the native backend. Each method returns undefined when oneDNN has no
 * implementation for the geometry, so the caller can take the GEMM lowering instead.
 *
 * @example
 * ```ts ignore
 * const convs = new DnnlConvolutions(context);
 * const y = convs.forward(geometry, x, w, bias, "relu");
 * ```
 */
export class DnnlConvolutions {
  readonly #dnnl: DnnlContext;
  readonly #entries: PrimitiveCache<ConvEntry>;
  readonly #hints = new Map<string, Deno.PointerValue | undefined>();
  readonly #described = new Map<string, Described>();
  #scratch = new Float32Array(0);
  #reluAttr: Deno.PointerValue | undefined;

  /**
   * @example
   * ```ts ignore
   * const convs = new DnnlConvolutions(context);
   * ```
   */
  constructor(dnnl: DnnlContext) {
    this.#dnnl = dnnl;
    this.#entries = new PrimitiveCache(MAX_ENTRIES, (e) => {
      dnnl.release(e.conv);
      if (e.reorder) dnnl.release(e.reorder);
    });
  }

  /** Implementations chosen so far, by cache key (for diagnostics and tests). */
  implementations(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, e] of this.#entries.entries()) if (e) out.set(k, e.conv.impl);
    return out;
  }

  /** `y = act(conv(x, w) + bias)`, or undefined when oneDNN cannot run the geometry. */
  forward(
    g: ConvGeometry,
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    activation: FusedActivation,
  ): Float32Array | undefined {
    const key = `f${bias ? "b" : ""}${activation === "relu" ? "r" : ""}:${geometryKey(g)}`;
    const e = this.#entries.get(key, () => this.#makeForward(g, bias !== null, activation));
    if (!e) return undefined;
    const y = new Float32Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
    const wb = this.#weights(e, w);
    const data = bias ? [x, wb, bias, y] : [x, wb, y];
    this.#dnnl.execute(e.conv, data);
    return y;
  }

  /** The input gradient `dx` from `dy` and the filter, or undefined when unsupported. */
  backwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array): Float32Array | undefined {
    const key = `d:${geometryKey(g)}`;
    const e = this.#entries.get(key, () => this.#makeBackwardData(g));
    if (!e) return undefined;
    const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
    const wb = this.#weights(e, w);
    this.#dnnl.execute(e.conv, [dx, wb, dy]);
    return dx;
  }

  /** The filter gradient `dw` (HWIO) from `x` and `dy`, or undefined when unsupported. */
  backwardFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float32Array | undefined {
    const key = `w:${geometryKey(g)}`;
    const e = this.#entries.get(key, () => this.#makeBackwardFilter(g));
    if (!e) return undefined;
    const dw = new Float32Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
    if (!e.reorder) {
      this.#dnnl.execute(e.conv, [x, dw, dy]);
      return dw;
    }
    const blocked = this.#scratchOf(e.weightFloats);
    this.#dnnl.execute(e.conv, [x, blocked, dy]);
    this.#dnnl.execute(e.reorder, [blocked, dw]);
    return dw;
  }

  /** The filter in the primitive's layout: `w` itself or its reorder into the scratch. */
  #weights(e: ConvEntry, w: Float32Array): Float32Array {
    if (!e.reorder) return w;
    const blocked = this.#scratchOf(e.weightFloats);
    this.#dnnl.execute(e.reorder, [w, blocked]);
    return blocked;
  }

  #scratchOf(floats: number): Float32Array {
    if (this.#scratch.length < floats) this.#scratch = new Float32Array(floats);
    return this.#scratch;
  }

  #describe(g: ConvGeometry): Described {
    const key = geometryKey(g);
    let d = this.#described.get(key);
    if (d) return d;
    const dnnl = this.#dnnl;
    const padBottom = (g.outHeight - 1) * g.strideHeight +
      (g.filterHeight - 1) * g.dilationHeight + 1 - g.inHeight - g.padTop;
    const padRight = (g.outWidth - 1) * g.strideWidth +
      (g.filterWidth - 1) * g.dilationWidth + 1 - g.inWidth - g.padLeft;
    const weightDims = [g.outChannels, g.inChannels, g.filterHeight, g.filterWidth];
    d = {
      src: dnnl.memoryDesc([g.batch, g.inChannels, g.inHeight, g.inWidth], DNNL.tagNhwc),
      dst: dnnl.memoryDesc([g.batch, g.outChannels, g.outHeight, g.outWidth], DNNL.tagNhwc),
      userWeights: dnnl.memoryDesc(weightDims, DNNL.tagHwio),
      anyWeights: dnnl.memoryDesc(weightDims, DNNL.tagAny),
      bias: dnnl.memoryDesc([g.outChannels], DNNL.tagA),
      strides: dims([g.strideHeight, g.strideWidth]),
      dilates: dims([g.dilationHeight - 1, g.dilationWidth - 1]),
      padL: dims([g.padTop, g.padLeft]),
      padR: dims([padBottom, padRight]),
    };
    this.#described.set(key, d);
    return d;
  }

  /** The forward-training descriptor without attributes that backward primitives need. */
  #hint(g: ConvGeometry): Deno.PointerValue | undefined {
    const key = geometryKey(g);
    if (this.#hints.has(key)) return this.#hints.get(key);
    const hint = this.#forwardDesc(g, false, null);
    this.#hints.set(key, hint);
    return hint;
  }

  #forwardDesc(
    g: ConvGeometry,
    withBias: boolean,
    attr: Deno.PointerValue,
  ): Deno.PointerValue | undefined {
    const d = this.#describe(g);
    const op = new Uint8Array(OP_DESC_BYTES);
    const s = this.#dnnl.symbols;
    const status = s.dnnl_dilated_convolution_forward_desc_init(
      op,
      DNNL.forwardTraining,
      DNNL.convolutionDirect,
      d.src.ptr,
      d.anyWeights.ptr,
      withBias ? d.bias.ptr : null,
      d.dst.ptr,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    );
    if (status !== 0) return undefined;
    return this.#dnnl.primitiveDesc(op, attr, null);
  }

  /** The reorder between the user's HWIO filter and the primitive's layout, when they differ. */
  #reorder(user: MemoryDesc, chosen: MemoryDesc, toUser: boolean) {
    const dnnl = this.#dnnl;
    if (dnnl.sameLayout(user, chosen)) return undefined;
    const [from, to] = toUser ? [chosen, user] : [user, chosen];
    const pd = dnnl.reorderDesc(from, to);
    const r = dnnl.bind(pd, [[DNNL.argSrc, from], [DNNL.argDst, to]]);
    dnnl.releaseDesc(pd);
    return r;
  }

  /**
   * Binds a primitive descriptor's primitive (the filter argument in the layout it chose, from
   * `query`) with the reorder to or from HWIO, then frees the descriptor.
   */
  #entryOf(
    pd: Deno.PointerValue,
    d: Described,
    query: number,
    args: (weights: MemoryDesc) => [number, MemoryDesc][],
    toUser: boolean,
  ): ConvEntry {
    const dnnl = this.#dnnl;
    const weights = dnnl.queryMd(pd, query);
    try {
      const conv = dnnl.bind(pd, args(weights));
      const reorder = this.#reorder(d.userWeights, weights, toUser);
      return { conv, reorder, weightFloats: dnnl.sizeOf(weights) / 4 };
    } finally {
      dnnl.releaseDesc(pd);
    }
  }

  #makeForward(g: ConvGeometry, withBias: boolean, activation: FusedActivation): Entry {
    const d = this.#describe(g);
    let attr: Deno.PointerValue = null;
    if (activation === "relu") attr = this.#reluAttr ??= this.#dnnl.reluAttr();
    const pd = this.#forwardDesc(g, withBias, attr);
    if (!pd) return null;
    return this.#entryOf(pd, d, DNNL.queryWeightsMd, (weights) => [
      [DNNL.argSrc, d.src],
      [DNNL.argWeights, weights],
      ...(withBias ? [[DNNL.argBias, d.bias] as [number, MemoryDesc]] : []),
      [DNNL.argDst, d.dst],
    ], false);
  }

  #makeBackwardData(g: ConvGeometry): Entry {
    const d = this.#describe(g);
    const hint = this.#hint(g);
    if (!hint) return null;
    const op = new Uint8Array(OP_DESC_BYTES);
    const status = this.#dnnl.symbols.dnnl_dilated_convolution_backward_data_desc_init(
      op,
      DNNL.convolutionDirect,
      d.src.ptr,
      d.anyWeights.ptr,
      d.dst.ptr,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    );
    const pd = status === 0 ? this.#dnnl.primitiveDesc(op, null, hint) : undefined;
    if (!pd) return null;
    return this.#entryOf(pd, d, DNNL.queryWeightsMd, (weights) => [
      [DNNL.argDiffSrc, d.src],
      [DNNL.argWeights, weights],
      [DNNL.argDiffDst, d.dst],
    ], false);
  }

  #makeBackwardFilter(g: ConvGeometry): Entry {
    const d = this.#describe(g);
    const hint = this.#hint(g);
    if (!hint) return null;
    const op = new Uint8Array(OP_DESC_BYTES);
    const status = this.#dnnl.symbols.dnnl_dilated_convolution_backward_weights_desc_init(
      op,
      DNNL.convolutionDirect,
      d.src.ptr,
      d.anyWeights.ptr,
      null,
      d.dst.ptr,
      d.strides,
      d.dilates,
      d.padL,
      d.padR,
    );
    const pd = status === 0 ? this.#dnnl.primitiveDesc(op, null, hint) : undefined;
    if (!pd) return null;
    return this.#entryOf(pd, d, DNNL.queryDiffWeightsMd, (weights) => [
      [DNNL.argSrc, d.src],
      [DNNL.argDiffWeights, weights],
      [DNNL.argDiffDst, d.dst],
    ], true);
  }
}

function geometryKey(g: ConvGeometry): string {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    g.outChannels,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
  ].join(",");
}
