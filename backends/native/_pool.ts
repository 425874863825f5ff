/**
 * Max pooling in NHWC and its gradient, with tight loops over the channel axis. Ties go to the
 * first maximum in the window (row-major), as in TensorFlow.js's reference kernels.
 *
 * @module
 */

/** The geometry of one pooling window sweep (dilation 1). */
export interface PoolGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/**
 * Max pooling forward: `y[b, oh, ow, c]` (`-Infinity` where a window holds no input).
 *
 * @example
 * ```ts ignore
 * const y = maxPoolForward(geometry, x);
 * ```
 */
export function maxPoolForward(g: PoolGeometry, x: Float32Array): Float32Array {
  const { batch, inHeight: h, inWidth: w, channels: c, outHeight: oh, outWidth: ow } = g;
  const y = new Float32Array(batch * oh * ow * c).fill(Number.NEGATIVE_INFINITY);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * g.strideHeight - g.padTop);
      const r1 = Math.min(h, r * g.strideHeight - g.padTop + g.filterHeight);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * g.strideWidth - g.padLeft);
        const c1 = Math.min(w, q * g.strideWidth - g.padLeft + g.filterWidth);
        const dst = ((b * oh + r) * ow + q) * c;
        for (let ir = r0; ir < r1; ir++) {
          for (let ic = c0; ic < c1; ic++) {
            const src = ((b * h + ir) * w + ic) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[src + ch]!;
              if (v > y[dst + ch]!) y[dst + ch] = v;
            }
          }
        }
      }
    }
  }
  return y;
}

/**
 * Max pooling gradient: routes each `dy` to the first maximum of its window in `x`.
 *
 * @example
 * ```ts ignore
 * const dx = maxPoolBackward(geometry, x, dy);
 * ```
 */
export function maxPoolBackward(g: PoolGeometry, x: Float32Array, dy: Float32Array): Float32Array {
  const { batch, inHeight: h, inWidth: w, channels: c, outHeight: oh, outWidth: ow } = g;
  const dx = new Float32Array(x.length);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(0, r * g.strideHeight - g.padTop);
      const r1 = Math.min(h, r * g.strideHeight - g.padTop + g.filterHeight);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * g.strideWidth - g.padLeft);
        const c1 = Math.min(w, q * g.strideWidth - g.padLeft + g.filterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let ir = r0; ir < r1; ir++) {
          for (let ic = c0; ic < c1; ic++) {
            const src = ((b * h + ir) * w + ic) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[src + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                where[ch] = src + ch;
              }
            }
          }
        }
        const o = ((b * oh + r) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) {
          const at = where[ch]!;
          if (at >= 0) dx[at] = dx[at]! + dy[o + ch]!;
        }
      }
    }
  }
  return dx;
}
