/**
 * TensorFlow.js kernels Graft adds to any backend (written with TensorFlow.js ops or typed-array
 * loops, installed per backend): the convolution weight gradient as matrix products, small
 * convolutions by im2col, fused training-mode BatchNorm. The FFI kernels of the native backend
 * are in `backends/native/_ffi_kernels.ts`.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { useFastConvFilterGrad } from "@graft/graft/tfjs-kernels";
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
export type { ConvGeometry } from "./conv_geometry.ts";
