/**
 * Sums over leading or trailing axes of a row-major array, accumulating in float64.
 *
 * @module
 */

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
