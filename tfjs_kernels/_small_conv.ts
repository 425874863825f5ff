import * as tf from "@tensorflow/tfjs-core";
import { im2col, padFor } from "./_im2col.ts";
import type { ConvGeometry } from "./conv_geometry.ts";

/**
 * Output positions per image at or under which the batch-folded form is used. TensorFlow.js's
 * WebGPU convolutions tile 32 output positions of one image at a time, so a 4×4 or 2×2 layer
 * (VGG's last blocks at 32×32 input) leaves most of every tile idle; folding the batch into the
 * rows of one matrix product fills the tiles.
 */
export const SMALL_SPATIAL = 16;

/** NHWC convolution (dilation 1) as `im2col(x) · W` with the batch folded into the rows. */
export function convByIm2col(
  x: tf.Tensor,
  filter: tf.Tensor,
  g: ConvGeometry,
  bias?: tf.Tensor,
  activation?: "relu" | "linear",
): tf.Tensor4D {
  const n = x.shape[0]!;
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  return tf.tidy(() => {
    const a = im2col(padFor(x, g), g, 0, n);
    const b = tf.reshape(filter, [fh * fw * ci, co]);
    const y = tf.fused.matMul({
      a,
      b,
      ...(bias ? { bias } : {}),
      ...(activation ? { activation } : {}),
    });
    return tf.reshape(y, [n, g.outHeight, g.outWidth, co]);
  });
}

/**
 * The input gradient of a stride-1 NHWC convolution as a convolution of `dy` with the filter
 * flipped in space and transposed in channels, computed batch-folded by {@linkcode convByIm2col}.
 */
export function convInputGradByIm2col(
  dy: tf.Tensor,
  filter: tf.Tensor,
  inputShape: [number, number, number, number],
  padTop: number,
  padLeft: number,
): tf.Tensor4D {
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  const [batch, ih, iw] = inputShape;
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return convByIm2col(dy, flipped, {
      batch,
      inHeight: dy.shape[1]!,
      inWidth: dy.shape[2]!,
      inChannels: co,
      outHeight: ih,
      outWidth: iw,
      outChannels: ci,
      filterHeight: fh,
      filterWidth: fw,
      strideHeight: 1,
      strideWidth: 1,
      dilationHeight: 1,
      dilationWidth: 1,
      padTop: fh - 1 - padTop,
      padLeft: fw - 1 - padLeft,
    });
  });
}
