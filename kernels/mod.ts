/**
 * Kernels Graft adds to TensorFlow.js: the convolution weight gradient as matrix products,
 * installed per backend.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { useFastConvFilterGrad } from "@graft/graft/kernels";
 * useFastConvFilterGrad("cpu");
 * ```
 *
 * @module
 */
export { restoreConvFilterGrad, useFastConvFilterGrad } from "./use_fast_conv_filter_grad.ts";
export { restoreSmallConv, useSmallConvIm2col } from "./use_small_conv_im2col.ts";
export {
  BATCH_NORM_GRAD_KERNEL,
  BATCH_NORM_TRAIN_KERNEL,
  type BatchNormBackward,
  type BatchNormForward,
  type BatchNormImplementation,
  batchNormTraining,
  type BatchNormTrainingResult,
  hasFusedBatchNorm,
  useFusedBatchNorm,
} from "./batch_norm_training.ts";
