/**
 * The oneDNN primitives the native kernels use, built on an opened oneDNN context.
 *
 * @module
 */
import type { DnnlContext } from "./_dnnl.ts";
import { DnnlAxpby } from "./_dnnl_axpby.ts";
import { DnnlBatchNorm } from "./_dnnl_batch_norm.ts";
import { DnnlConvolutions } from "./_dnnl_conv.ts";
import { DnnlMaxPool } from "./_dnnl_pool.ts";
import { DnnlReluGrad } from "./_dnnl_relu.ts";

/** oneDNN primitives the kernels use when present. */
export interface NativePrimitives {
  /** Direct convolutions, forward and both gradients. */
  readonly convolutions: DnnlConvolutions;
  /** Max pooling and its gradient. */
  readonly maxPool: DnnlMaxPool;
  /** The ReLU gradient. */
  readonly reluGrad: DnnlReluGrad;
  /** Batch normalisation in training. */
  readonly batchNorm: DnnlBatchNorm;
  /** `y = alpha * x + beta * y` (optimizer updates). */
  readonly axpby: DnnlAxpby;
}

/**
 * The primitives of `context` (each builds and caches its oneDNN primitives per shape on first
 * use).
 *
 * @example
 * ```ts ignore
 * const primitives = nativePrimitives(lib.dnnl);
 * ```
 */
export function nativePrimitives(context: DnnlContext): NativePrimitives {
  return {
    convolutions: new DnnlConvolutions(context),
    maxPool: new DnnlMaxPool(context),
    reluGrad: new DnnlReluGrad(context),
    batchNorm: new DnnlBatchNorm(context),
    axpby: new DnnlAxpby(context),
  };
}
