/**
 * 2-D convolution in NHWC with HWIO filters, forward and both gradients, as GEMMs.
 *
 * Two lowerings:
 * - shifted: for stride 1 and no dilation, the (padded) input is viewed as one long
 *   `[positions, inChannels]` matrix; each filter tap `(i, j)` is then a plain GEMM on a view
 *   shifted by `i * paddedWidth + j` rows. No im2col buffer, one pass per tap, and the weight
 *   gradient is nine long-K GEMMs. Rows that straddle an image edge are computed and dropped.
 * - im2col: any stride, dilation or padding, in batch chunks to bound memory.
 *
 * @module
 */
import type { ConvGeometry } from "../../tfjs_kernels/conv_geometry.ts";
import type { FusedActivation, Gemm } from "./_types.ts";

/** Floats of scratch memory an im2col chunk may use (32 MiB). */
const COL_BUDGET = 8 * 1024 * 1024;
/** Output rows per shifted-GEMM chunk, so a chunk of the output stays in cache. */
const SHIFT_CHUNK_FLOATS = 256 * 1024;

/**
 * Which lowering a convolution takes: `shifted` (stride 1, no dilation, little padding waste)
 * or `im2col`.
 *
 * @example
 * ```ts ignore
 * const how = convLowering(geometry); // "shifted" | "im2col"
 * ```
 */
export function convLowering(g: ConvGeometry): "shifted" | "im2col" {
  return useShifted(g) ? "shifted" : "im2col";
}

function useShifted(g: ConvGeometry): boolean {
  if (g.strideHeight !== 1 || g.strideWidth !== 1) return false;
  if (g.dilationHeight !== 1 || g.dilationWidth !== 1) return false;
  // Few input channels make each tap's GEMM too thin (K = inChannels); im2col gives K = 9 * C.
  if (g.inChannels < 16 && g.filterHeight * g.filterWidth > 1) return false;
  const hp = g.outHeight + g.filterHeight - 1;
  const wp = g.outWidth + g.filterWidth - 1;
  // The shifted form computes hp*wp rows per image for outHeight*outWidth useful ones.
  return hp * wp <= 1.5 * g.outHeight * g.outWidth;
}

/** Copies x into a zero-padded `[batch, hp, wp, c]` buffer (or returns x when no pad is needed). */
function padInput(g: ConvGeometry, x: Float32Array, hp: number, wp: number): Float32Array {
  const { batch, inHeight: h, inWidth: w, inChannels: c, padTop, padLeft } = g;
  if (padTop === 0 && padLeft === 0 && hp === h && wp === w) return x;
  const xp = new Float32Array(batch * hp * wp * c);
  const rowLen = Math.min(w, wp - padLeft) * c;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < h; r++) {
      const pr = r + padTop;
      if (pr < 0 || pr >= hp) continue;
      const src = (b * h + r) * w * c;
      const dst = ((b * hp + pr) * wp + padLeft) * c;
      xp.set(x.subarray(src, src + rowLen), dst);
    }
  }
  return xp;
}

function applyBiasActivation(
  y: Float32Array,
  channels: number,
  bias: Float32Array | null,
  activation: FusedActivation,
): void {
  const relu = activation === "relu";
  if (bias) {
    for (let i = 0; i < y.length; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = y[i + c]! + bias[c]!;
        y[i + c] = relu && v < 0 ? 0 : v;
      }
    }
  } else if (relu) {
    for (let i = 0; i < y.length; i++) if (y[i]! < 0) y[i] = 0;
  }
}

/**
 * Forward convolution: `y[b, oh, ow, co]`, with optional bias and ReLU fused.
 *
 * @example
 * ```ts ignore
 * const y = conv2dForward(gemm, geometry, x, filter, bias, "relu");
 * ```
 */
export function conv2dForward(
  gemm: Gemm,
  g: ConvGeometry,
  x: Float32Array,
  filter: Float32Array,
  bias: Float32Array | null,
  activation: FusedActivation,
): Float32Array {
  const { batch, outHeight: oh, outWidth: ow, outChannels: co, inChannels: ci } = g;
  const y = new Float32Array(batch * oh * ow * co);
  const kh = g.filterHeight, kw = g.filterWidth;
  if (useShifted(g)) {
    const hp = oh + kh - 1, wp = ow + kw - 1;
    const xp = padInput(g, x, hp, wp);
    const direct = kh === 1 && kw === 1 && hp === oh && wp === ow;
    const total = (batch - 1) * hp * wp + (oh - 1) * wp + ow;
    const yp = direct ? y : new Float32Array(total * co);
    const chunk = Math.max(32, Math.floor(SHIFT_CHUNK_FLOATS / Math.max(co, ci)));
    for (let p0 = 0; p0 < total; p0 += chunk) {
      const m = Math.min(chunk, total - p0);
      const out = yp.subarray(p0 * co);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const t = i * kw + j;
          gemm(
            false,
            false,
            m,
            co,
            ci,
            1,
            xp.subarray((p0 + i * wp + j) * ci),
            ci,
            filter.subarray(t * ci * co),
            co,
            t === 0 ? 0 : 1,
            out,
            co,
          );
        }
      }
    }
    if (!direct) {
      const rowLen = ow * co;
      for (let b = 0; b < batch; b++) {
        for (let r = 0; r < oh; r++) {
          const src = (b * hp + r) * wp * co;
          y.set(yp.subarray(src, src + rowLen), (b * oh + r) * rowLen);
        }
      }
    }
  } else {
    const k = kh * kw * ci;
    const per = oh * ow;
    const nb = Math.max(1, Math.min(batch, Math.floor(COL_BUDGET / (per * k))));
    const col = new Float32Array(nb * per * k);
    for (let b0 = 0; b0 < batch; b0 += nb) {
      const n = Math.min(nb, batch - b0);
      im2col(g, x, b0, n, col);
      gemm(false, false, n * per, co, k, 1, col, k, filter, co, 0, y.subarray(b0 * per * co), co);
    }
  }
  applyBiasActivation(y, co, bias, activation);
  return y;
}

/**
 * Gradient with respect to the input: `dx[b, h, w, ci]` from `dy[b, oh, ow, co]`.
 *
 * @example
 * ```ts ignore
 * const dx = conv2dBackpropInput(gemm, geometry, dy, filter);
 * ```
 */
export function conv2dBackpropInput(
  gemm: Gemm,
  g: ConvGeometry,
  dy: Float32Array,
  filter: Float32Array,
): Float32Array {
  const { batch, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = g;
  const { outHeight: oh, outWidth: ow } = g;
  const dx = new Float32Array(batch * h * w * ci);
  const kh = g.filterHeight, kw = g.filterWidth;
  if (useShifted(g)) {
    const hp = oh + kh - 1, wp = ow + kw - 1;
    const total = (batch - 1) * hp * wp + (oh - 1) * wp + ow;
    const direct = kh === 1 && kw === 1 && hp === oh && wp === ow && hp === h && wp === w;
    const dyp = direct ? dy : spreadRows(dy, batch, oh, ow, co, hp, wp, total);
    const dxp = direct ? dx : new Float32Array(batch * hp * wp * ci);
    const chunk = Math.max(32, Math.floor(SHIFT_CHUNK_FLOATS / Math.max(co, ci)));
    for (let p0 = 0; p0 < total; p0 += chunk) {
      const m = Math.min(chunk, total - p0);
      const src = dyp.subarray(p0 * co);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const t = i * kw + j;
          gemm(
            false,
            true,
            m,
            ci,
            co,
            1,
            src,
            co,
            filter.subarray(t * ci * co),
            co,
            1,
            dxp.subarray((p0 + i * wp + j) * ci),
            ci,
          );
        }
      }
    }
    if (!direct) {
      const rowLen = Math.min(w, wp - g.padLeft) * ci;
      for (let b = 0; b < batch; b++) {
        for (let r = 0; r < h; r++) {
          const pr = r + g.padTop;
          if (pr < 0 || pr >= hp) continue;
          const src = ((b * hp + pr) * wp + g.padLeft) * ci;
          dx.set(dxp.subarray(src, src + rowLen), (b * h + r) * w * ci);
        }
      }
    }
  } else {
    const k = kh * kw * ci;
    const per = oh * ow;
    const nb = Math.max(1, Math.min(batch, Math.floor(COL_BUDGET / (per * k))));
    const col = new Float32Array(nb * per * k);
    for (let b0 = 0; b0 < batch; b0 += nb) {
      const n = Math.min(nb, batch - b0);
      gemm(false, true, n * per, k, co, 1, dy.subarray(b0 * per * co), co, filter, co, 0, col, k);
      col2im(g, col, b0, n, dx);
    }
  }
  return dx;
}

/**
 * Gradient with respect to the filter: `dw[kh, kw, ci, co]`.
 *
 * @example
 * ```ts ignore
 * const dw = conv2dBackpropFilter(gemm, geometry, x, dy);
 * ```
 */
export function conv2dBackpropFilter(
  gemm: Gemm,
  g: ConvGeometry,
  x: Float32Array,
  dy: Float32Array,
): Float32Array {
  const { batch, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = g;
  const kh = g.filterHeight, kw = g.filterWidth;
  const dw = new Float32Array(kh * kw * ci * co);
  if (useShifted(g)) {
    const hp = oh + kh - 1, wp = ow + kw - 1;
    const total = (batch - 1) * hp * wp + (oh - 1) * wp + ow;
    const xp = padInput(g, x, hp, wp);
    const dyp = hp === oh && wp === ow ? dy : spreadRows(dy, batch, oh, ow, co, hp, wp, total);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const t = i * kw + j;
        gemm(
          true,
          false,
          ci,
          co,
          total,
          1,
          xp.subarray((i * wp + j) * ci),
          ci,
          dyp,
          co,
          0,
          dw.subarray(t * ci * co),
          co,
        );
      }
    }
  } else {
    const k = kh * kw * ci;
    const per = oh * ow;
    const nb = Math.max(1, Math.min(batch, Math.floor(COL_BUDGET / (per * k))));
    const col = new Float32Array(nb * per * k);
    for (let b0 = 0; b0 < batch; b0 += nb) {
      const n = Math.min(nb, batch - b0);
      im2col(g, x, b0, n, col);
      gemm(
        true,
        false,
        k,
        co,
        n * per,
        1,
        col,
        k,
        dy.subarray(b0 * per * co),
        co,
        b0 === 0 ? 0 : 1,
        dw,
        co,
      );
    }
  }
  return dw;
}

/** Places `dy[b, oh, ow, c]` rows at their padded positions `(b * hp + r) * wp + col` (zeros between). */
function spreadRows(
  dy: Float32Array,
  batch: number,
  oh: number,
  ow: number,
  c: number,
  hp: number,
  wp: number,
  total: number,
): Float32Array {
  const out = new Float32Array(total * c);
  const rowLen = ow * c;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      const src = (b * oh + r) * rowLen;
      out.set(dy.subarray(src, src + rowLen), (b * hp + r) * wp * c);
    }
  }
  return out;
}

/** Fills `col[(b*oh+r)*ow+c, (i*kw+j)*ci + ch]` for images `b0 .. b0+n-1`. */
function im2col(g: ConvGeometry, x: Float32Array, b0: number, n: number, col: Float32Array): void {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = g;
  const kh = g.filterHeight, kw = g.filterWidth;
  const k = kh * kw * ci;
  let row = 0;
  for (let b = b0; b < b0 + n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++, row++) {
        let dst = row * k;
        for (let i = 0; i < kh; i++) {
          const ir = r * g.strideHeight - g.padTop + i * g.dilationHeight;
          for (let j = 0; j < kw; j++, dst += ci) {
            const ic = c * g.strideWidth - g.padLeft + j * g.dilationWidth;
            if (ir < 0 || ir >= h || ic < 0 || ic >= w) {
              col.fill(0, dst, dst + ci);
            } else {
              const src = ((b * h + ir) * w + ic) * ci;
              for (let ch = 0; ch < ci; ch++) col[dst + ch] = x[src + ch]!;
            }
          }
        }
      }
    }
  }
}

/** Adds `col` (as laid out by {@linkcode im2col}) back into `dx` for images `b0 .. b0+n-1`. */
function col2im(g: ConvGeometry, col: Float32Array, b0: number, n: number, dx: Float32Array): void {
  const { inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = g;
  const kh = g.filterHeight, kw = g.filterWidth;
  const k = kh * kw * ci;
  let row = 0;
  for (let b = b0; b < b0 + n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++, row++) {
        let src = row * k;
        for (let i = 0; i < kh; i++) {
          const ir = r * g.strideHeight - g.padTop + i * g.dilationHeight;
          for (let j = 0; j < kw; j++, src += ci) {
            const ic = c * g.strideWidth - g.padLeft + j * g.dilationWidth;
            if (ir < 0 || ir >= h || ic < 0 || ic >= w) continue;
            const dst = ((b * h + ir) * w + ic) * ci;
            for (let ch = 0; ch < ci; ch++) dx[dst + ch] = dx[dst + ch]! + col[src + ch]!;
          }
        }
      }
    }
  }
}
