/**
 * Types shared by the native backend's loader and kernels (kept apart so that neither imports
 * the other for them).
 *
 * @module
 */

/**
 * Row-major `C = alpha * op(A) * op(B) + beta * C` on float32 arrays (op = transpose when the
 * flag is set). Offsets are expressed by passing `subarray` views.
 */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** Activations the native kernels fuse into the convolution and matmul outputs. */
export type FusedActivation = "linear" | "relu";
