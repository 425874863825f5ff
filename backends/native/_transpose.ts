/**
 * Axis permutation of float32 data up to rank 4, as nested loops over the output with the
 * input's strides (TensorFlow.js's reference kernel converts every flat index to coordinates
 * and back: ~10x slower).
 *
 * @module
 */

/** Highest rank {@linkcode transpose} handles. */
export const TRANSPOSE_MAX_RANK = 4;

/**
 * `x` of `shape` with its axes permuted: output axis `i` is input axis `perm[i]`.
 *
 * @example
 * ```ts
 * transpose(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]); // [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transpose(
  x: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
): Float32Array {
  const rank = shape.length;
  if (rank > TRANSPOSE_MAX_RANK || perm.length !== rank) {
    throw new RangeError(`Invalid transpose: rank ${rank} with perm [${perm}]`);
  }
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  // Output dims and the input stride of each, padded to rank 4 with leading size-1 axes.
  const d = [1, 1, 1, 1], s = [0, 0, 0, 0];
  for (let i = 0; i < rank; i++) {
    d[TRANSPOSE_MAX_RANK - rank + i] = shape[perm[i]!]!;
    s[TRANSPOSE_MAX_RANK - rank + i] = inStrides[perm[i]!]!;
  }
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const [s0, s1, s2, s3] = s as [number, number, number, number];
  const out = new Float32Array(x.length);
  let o = 0;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        let at = i0 * s0 + i1 * s1 + i2 * s2;
        if (s3 === 1 && d3 >= 16) {
          out.set(x.subarray(at, at + d3), o);
          o += d3;
          continue;
        }
        for (let i3 = 0; i3 < d3; i3++, at += s3) out[o++] = x[at]!;
      }
    }
  }
  return out;
}
