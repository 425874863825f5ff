import type { backend_util } from "@tensorflow/tfjs-core";

/**
 * The geometry of one 2-D convolution (NHWC input, HWIO filter; all sizes in elements): the one
 * description every im2col and convolution lowering in Graft works from, TensorFlow.js kernels
 * and native ones alike.
 *
 * @example
 * ```ts
 * import type { ConvGeometry } from "@graft/graft/tfjs-kernels";
 * const taps = (g: ConvGeometry) => g.filterHeight * g.filterWidth;
 * ```
 */
export interface ConvGeometry {
  /** Images in the batch. */
  readonly batch: number;
  /** Input rows. */
  readonly inHeight: number;
  /** Input columns. */
  readonly inWidth: number;
  /** Input channels. */
  readonly inChannels: number;
  /** Output rows. */
  readonly outHeight: number;
  /** Output columns. */
  readonly outWidth: number;
  /** Output channels (filters). */
  readonly outChannels: number;
  /** Filter rows. */
  readonly filterHeight: number;
  /** Filter columns. */
  readonly filterWidth: number;
  /** Step between output rows, in input rows. */
  readonly strideHeight: number;
  /** Step between output columns, in input columns. */
  readonly strideWidth: number;
  /** Spacing of filter rows (1: dense). */
  readonly dilationHeight: number;
  /** Spacing of filter columns (1: dense). */
  readonly dilationWidth: number;
  /** Zero rows added above the first input row. */
  readonly padTop: number;
  /** Zero columns added left of the first input column. */
  readonly padLeft: number;
}

/**
 * The convolution geometry of TensorFlow.js's conv info.
 *
 * @example
 * ```ts
 * import { backend_util } from "@tensorflow/tfjs-core";
 * import { convGeometry } from "./conv_geometry.ts";
 * const g = convGeometry(backend_util.computeConv2DInfo([1, 8, 8, 3], [3, 3, 3, 4], 1, 1, "same"));
 * console.log(g.outHeight); // 8
 * ```
 */
export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
