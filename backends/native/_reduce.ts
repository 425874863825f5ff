/**
 * Sums over leading or trailing axes of a row-major array: small sums in float64 loops, large
 * leading-axis sums (bias gradients) as one GEMM against a ones vector, on every core.
 *
 * @module
 */
import type { Gemm } from "./_types.ts";

/** Rows from which {@linkcode sumOuterGemm} pays off over the loop. */
export const GEMM_SUM_MIN_ELEMENTS = 1 << 16;

let ones = new Float32Array(0);

/**
 * {@linkcode sumOuter} as `ones[1, outer] x x[outer, inner]` through the GEMM (float32
 * accumulation in the GEMM's blocked order).
 *
 * @example
 * ```ts ignore
 * sumOuterGemm(gemm, new Float32Array([1, 2, 3, 4]), 2, 2); // [4, 6]
 * ```
 */
export function sumOuterGemm(
  gemm: Gemm,
  x: Float32Array,
  outer: number,
  inner: number,
): Float32Array {
  if (ones.length < outer) ones = new Float32Array(outer).fill(1);
  const out = new Float32Array(inner);
  gemm(false, false, 1, inner, outer, 1, ones, outer, x, inner, 0, out, inner);
  return out;
}

/**
 * Sums `x` viewed as `[outer, inner]` over `outer`: the bias gradient of a dense or NHWC layer.
 *
 * @example
 * ```ts
 * sumOuter(new Float32Array([1, 2, 3, 4]), 2, 2); // [4, 6]
 * ```
 */
export function sumOuter(x: Float32Array, outer: number, inner: number): Float32Array {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    for (let i = 0; i < inner; i++) acc[i] = acc[i]! + x[base + i]!;
  }
  return Float32Array.from(acc);
}

/**
 * Sums `x` viewed as `[outer, inner]` over `inner`.
 *
 * @example
 * ```ts
 * sumInner(new Float32Array([1, 2, 3, 4]), 2, 2); // [3, 7]
 * ```
 */
export function sumInner(x: Float32Array, outer: number, inner: number): Float32Array {
  const out = new Float32Array(outer);
  for (let o = 0; o < outer; o++) {
    let s = 0;
    const base = o * inner;
    for (let i = 0; i < inner; i++) s += x[base + i]!;
    out[o] = s;
  }
  return out;
}
