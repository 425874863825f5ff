/**
 * Max pooling (NHWC) as oneDNN primitives. The forward pass records, per output, which input
 * won (oneDNN's workspace); TensorFlow.js's `MaxPoolGrad` gets the forward output back, so the
 * workspace is kept in a `WeakMap` keyed by that output's array and the backward pass scatters
 * `dy` through it instead of searching every window again. Without a recorded workspace (an
 * output made elsewhere) the caller falls back to its own loops.
 *
 * @module
 */
import type { PoolGeometry } from "./_pool.ts";
import {
  type BoundPrimitive,
  DNNL,
  type DnnlContext,
  dnnlDims,
  type MemoryDesc,
  OP_DESC_BYTES,
  PrimitiveCache,
} from "./_dnnl.ts";

interface PoolEntry {
  readonly forward: BoundPrimitive;
  readonly backward: BoundPrimitive;
  readonly workspaceBytes: number;
}

/** Distinct geometries kept before the cache is emptied. */
const MAX_ENTRIES = 64;

/**
 * oneDNN max pooling with the workspace carried from forward to backward.
 *
 * @example
 * ```ts ignore
 * const pool = new DnnlMaxPool(context);
 * const y = pool.forward(geometry, x);
 * const dx = y && pool.backward(geometry, dy, y);
 * ```
 */
export class DnnlMaxPool {
  readonly #dnnl: DnnlContext;
  readonly #entries: PrimitiveCache<PoolEntry>;
  readonly #workspaces = new WeakMap<Float32Array, Uint8Array>();

  /**
   * @example
   * ```ts ignore
   * const pool = new DnnlMaxPool(context);
   * ```
   */
  constructor(dnnl: DnnlContext) {
    this.#dnnl = dnnl;
    this.#entries = new PrimitiveCache(MAX_ENTRIES, (e) => {
      dnnl.release(e.forward);
      dnnl.release(e.backward);
    });
  }

  /** The pooled output, or undefined when oneDNN has no implementation for the geometry. */
  forward(g: PoolGeometry, x: Float32Array): Float32Array | undefined {
    const e = this.#entries.get(geometryKey(g), () => this.#make(g));
    if (!e) return undefined;
    const y = new Float32Array(g.batch * g.outHeight * g.outWidth * g.channels);
    const ws = new Uint8Array(e.workspaceBytes);
    this.#dnnl.execute(e.forward, [x, y, ws]);
    this.#workspaces.set(y, ws);
    return y;
  }

  /**
   * The input gradient from `dy` and the forward output `y`, or undefined when `y` was not
   * made by {@linkcode DnnlMaxPool.forward} with this geometry.
   */
  backward(g: PoolGeometry, dy: Float32Array, y: Float32Array): Float32Array | undefined {
    const ws = this.#workspaces.get(y);
    const e = ws && this.#entries.peek(geometryKey(g));
    if (!ws || !e || ws.length !== e.workspaceBytes) return undefined;
    const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.channels);
    this.#dnnl.execute(e.backward, [dy, dx, ws]);
    return dx;
  }

  #make(g: PoolGeometry): PoolEntry | null {
    const dnnl = this.#dnnl;
    const s = dnnl.symbols;
    const src = dnnl.memoryDesc([g.batch, g.channels, g.inHeight, g.inWidth], DNNL.tagNhwc);
    const dst = dnnl.memoryDesc([g.batch, g.channels, g.outHeight, g.outWidth], DNNL.tagNhwc);
    const padBottom = (g.outHeight - 1) * g.strideHeight + g.filterHeight - g.inHeight - g.padTop;
    const padRight = (g.outWidth - 1) * g.strideWidth + g.filterWidth - g.inWidth - g.padLeft;
    if (padBottom < 0 || padRight < 0 || g.padTop < 0 || g.padLeft < 0) return null;
    const strides = dnnlDims([g.strideHeight, g.strideWidth]);
    const kernel = dnnlDims([g.filterHeight, g.filterWidth]);
    const dilation = dnnlDims([0, 0]);
    const padL = dnnlDims([g.padTop, g.padLeft]);
    const padR = dnnlDims([padBottom, padRight]);
    const fop = new Uint8Array(OP_DESC_BYTES);
    if (
      s.dnnl_pooling_v2_forward_desc_init(
        fop,
        DNNL.forwardTraining,
        DNNL.poolingMax,
        src.ptr,
        dst.ptr,
        strides,
        kernel,
        dilation,
        padL,
        padR,
      ) !== 0
    ) return null;
    const fpd = dnnl.primitiveDesc(fop, null, null);
    if (!fpd) return null;
    const bop = new Uint8Array(OP_DESC_BYTES);
    const bpd = s.dnnl_pooling_v2_backward_desc_init(
        bop,
        DNNL.poolingMax,
        src.ptr,
        dst.ptr,
        strides,
        kernel,
        dilation,
        padL,
        padR,
      ) === 0
      ? dnnl.primitiveDesc(bop, null, fpd)
      : undefined;
    if (!bpd) {
      dnnl.releaseDesc(fpd);
      return null;
    }
    const workspace: MemoryDesc = dnnl.queryMd(fpd, DNNL.queryWorkspaceMd);
    const workspaceBytes = dnnl.sizeOf(workspace);
    const forward = dnnl.bind(fpd, [
      [DNNL.argSrc, src],
      [DNNL.argDst, dst],
      [DNNL.argWorkspace, workspace],
    ]);
    const backward = dnnl.bind(bpd, [
      [DNNL.argDiffDst, dst],
      [DNNL.argDiffSrc, src],
      [DNNL.argWorkspace, dnnl.queryMd(bpd, DNNL.queryWorkspaceMd)],
    ]);
    dnnl.releaseDesc(fpd);
    dnnl.releaseDesc(bpd);
    return { forward, backward, workspaceBytes };
  }
}

function geometryKey(g: PoolGeometry): string {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.channels,
    g.outHeight,
    g.outWidth,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.padTop,
    g.padLeft,
  ].join(",");
}
