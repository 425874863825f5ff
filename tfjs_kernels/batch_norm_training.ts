import * as tf from "@tensorflow/tfjs-core";
import {
  type BatchNormBackward,
  batchNormBackward,
  type BatchNormForward,
  batchNormForward,
} from "./_batch_norm_math.ts";

export type { BatchNormBackward, BatchNormForward } from "./_batch_norm_math.ts";

/**
 * A faster implementation of the fused kernels' arithmetic (a native library's), tried first;
 * returning undefined falls back to Graft's loops.
 */
export interface BatchNormImplementation {
  /** Output and biased batch statistics of `x` viewed as `[rows, gamma.length]`. */
  forward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
  ): BatchNormForward | undefined;
  /** Gradients with respect to `x`, `gamma` and `beta`, the batch statistics included. */
  backward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    epsilon: number,
  ): BatchNormBackward | undefined;
}

/** Kernel: batch statistics and normalised output (`x`, `gamma`, `beta`; attr `epsilon`). */
export const BATCH_NORM_TRAIN_KERNEL = "GraftBatchNormTrain";
/** Kernel: the gradient of {@linkcode BATCH_NORM_TRAIN_KERNEL}. */
export const BATCH_NORM_GRAD_KERNEL = "GraftBatchNormGrad";

/** Float32 values of a tensor on a CPU-style backend (one that keeps `data.get(id).values`). */
function values(backend: unknown, t: tf.TensorInfo): Float32Array {
  const v = (backend as { data: { get(id: unknown): { values: unknown } } }).data.get(t.dataId)
    .values;
  if (!(v instanceof Float32Array) || t.dtype !== "float32") {
    throw new Error(`Fused batch normalisation needs float32 tensors: received ${t.dtype}`);
  }
  return v;
}

function make(backend: unknown, shape: number[], v: Float32Array): tf.TensorInfo {
  return (backend as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo })
    .makeTensorInfo(shape, "float32", v);
}

/**
 * Registers Graft's fused training-mode batch normalisation kernels on a CPU-style backend (one
 * that keeps tensors as typed arrays, such as `graft-native`). Layers then normalise in one
 * kernel forward and one backward instead of TensorFlow.js's dozen (moments, broadcasts, tiles
 * and divisions). `implementation`, when given, computes first (Graft's loops take over where it
 * returns undefined). Returns false when the backend is not registered.
 *
 * @example
 * ```ts
 * import { useFusedBatchNorm } from "@graft/graft/tfjs-kernels";
 * useFusedBatchNorm("graft-native");
 * ```
 */
export function useFusedBatchNorm(
  backendName: string,
  implementation?: BatchNormImplementation,
): boolean {
  if (tf.findBackendFactory(backendName) === null) return false;
  if (tf.getKernel(BATCH_NORM_TRAIN_KERNEL, backendName)) return true;
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs["x"]!, gamma = inputs["gamma"]!, beta = inputs["beta"]!;
      const epsilon = Number((attrs as { epsilon: number }).epsilon);
      const args = [
        values(backend, x),
        values(backend, gamma),
        values(backend, beta),
        epsilon,
      ] as const;
      const r = implementation?.forward(...args) ?? batchNormForward(...args);
      return [
        make(backend, x.shape, r.y),
        make(backend, gamma.shape, r.mean),
        make(backend, gamma.shape, r.variance),
      ];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const [dy, x, gamma, mean, variance] = ["dy", "x", "gamma", "mean", "variance"].map(
        (k) => inputs[k]!,
      ) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const epsilon = Number((attrs as { epsilon: number }).epsilon);
      const args = [
        values(backend, dy),
        values(backend, x),
        values(backend, gamma),
        values(backend, mean),
        values(backend, variance),
        epsilon,
      ] as const;
      const r = implementation?.backward(...args) ?? batchNormBackward(...args);
      return [
        make(backend, x.shape, r.dx),
        make(backend, gamma.shape, r.dgamma),
        make(backend, gamma.shape, r.dbeta),
      ];
    },
  });
  return true;
}

/**
 * Whether the active backend has the fused kernels of {@linkcode useFusedBatchNorm}.
 *
 * @example
 * ```ts
 * import { hasFusedBatchNorm } from "@graft/graft/tfjs-kernels";
 * if (hasFusedBatchNorm()) console.log("one-kernel batch norm");
 * ```
 */
export function hasFusedBatchNorm(): boolean {
  return tf.getKernel(BATCH_NORM_TRAIN_KERNEL, tf.getBackend()) !== undefined;
}

/** Result of {@linkcode batchNormTraining}. */
export interface BatchNormTrainingResult {
  /** The normalised, scaled and shifted input (differentiable in `x`, `gamma`, `beta`). */
  readonly y: tf.Tensor;
  /** The batch mean per channel (no gradient). */
  readonly mean: tf.Tensor;
  /** The batch's biased variance per channel (no gradient). */
  readonly variance: tf.Tensor;
}

/**
 * Training-mode batch normalisation over the last axis through the fused kernels (see
 * {@linkcode useFusedBatchNorm}; the active backend must have them): `y = gamma * (x - mean) /
 * sqrt(variance + epsilon) + beta` with the batch's statistics, and its gradient with respect to
 * `x`, `gamma` and `beta` in one kernel. The caller disposes `mean` and `variance`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { batchNormTraining } from "@graft/graft/tfjs-kernels";
 * const x = tf.randomNormal([8, 4, 4, 3]);
 * const { y, mean, variance } = batchNormTraining(x, tf.ones([3]), tf.zeros([3]), 1e-5);
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): BatchNormTrainingResult {
  let stats: [tf.Tensor, tf.Tensor] | undefined;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(
      BATCH_NORM_TRAIN_KERNEL,
      { x: xs, gamma: g, beta: b },
      { epsilon },
    ) as [tf.Tensor, tf.Tensor, tf.Tensor];
    save([xs, g, mean, variance]);
    stats = [tf.keep(tf.clone(mean)), tf.keep(tf.clone(variance))];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(
          BATCH_NORM_GRAD_KERNEL,
          { dy, x: sx, gamma: sg, mean: sm, variance: sv },
          { epsilon },
        ) as tf.Tensor[];
      },
    };
  });
  const y = (f as (...t: tf.Tensor[]) => tf.Tensor)(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}
