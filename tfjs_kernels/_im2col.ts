import * as tf from "@tensorflow/tfjs-core";
import type { ConvGeometry } from "./conv_geometry.ts";

export { convGeometry } from "./conv_geometry.ts";

/** Zero-pads an NHWC tensor so that every tap of the geometry reads inside it. */
export function padFor(x: tf.Tensor, g: ConvGeometry): tf.Tensor {
  const [, h, w] = x.shape as [number, number, number, number];
  const bottom = Math.max(0, g.filterHeight + g.strideHeight * (g.outHeight - 1) - h - g.padTop);
  const right = Math.max(0, g.filterWidth + g.strideWidth * (g.outWidth - 1) - w - g.padLeft);
  if (!g.padTop && !g.padLeft && !bottom && !right) return x;
  return tf.pad(x as tf.Tensor4D, [[0, 0], [g.padTop, bottom], [g.padLeft, right], [0, 0]]);
}

/**
 * The im2col matrix of images `b0 .. b0 + nb - 1` of an already padded NHWC tensor:
 * `[nb * oh * ow, fh * fw * c]`, columns in HWIO filter order (tap row, tap column, channel),
 * built from one strided slice per tap concatenated along channels.
 */
export function im2col(padded: tf.Tensor, g: ConvGeometry, b0: number, nb: number): tf.Tensor2D {
  const c = padded.shape[3]!;
  return tf.tidy(() => {
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < g.filterHeight; i++) {
      for (let j = 0; j < g.filterWidth; j++) {
        taps.push(
          g.strideHeight === 1 && g.strideWidth === 1
            ? tf.slice(padded, [b0, i, j, 0], [nb, g.outHeight, g.outWidth, c])
            : tf.stridedSlice(
              padded,
              [b0, i, j, 0],
              [
                b0 + nb,
                i + g.strideHeight * (g.outHeight - 1) + 1,
                j + g.strideWidth * (g.outWidth - 1) + 1,
                c,
              ],
              [1, g.strideHeight, g.strideWidth, 1],
            ),
        );
      }
    }
    const cols = taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
    return tf.reshape(cols, [nb * g.outHeight * g.outWidth, g.filterHeight * g.filterWidth * c]);
  });
}
