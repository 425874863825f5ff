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
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
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
 * import { convGeometry } from "@graft/graft/tfjs-kernels";
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
