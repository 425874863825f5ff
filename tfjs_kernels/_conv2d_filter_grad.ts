import * as tf from "@tensorflow/tfjs-core";
import { convGeometry, im2col, padFor } from "./_im2col.ts";

/** Options for {@linkcode conv2dFilterGrad}. */
export interface Conv2dFilterGradOptions {
  /** Largest im2col block, in elements, built at once; the batch is split to fit. */
  readonly maxBlockElements?: number;
}

/** The default im2col block: 16 Mi elements (64 MiB of float32), under every WebGPU limit. */
export const DEFAULT_BLOCK_ELEMENTS: number = 16 * 1024 * 1024;

/** Convolution padding as TensorFlow.js takes it: a mode, one number, or explicit pairs. */
export type ConvPadding = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/**
 * The weight gradient of an NHWC 2-D convolution (dilation 1) as matrix products: an im2col
 * matrix of the input (one strided slice per kernel tap, concatenated along channels) times
 * the output gradient, `dW = im2col(x)ᵀ · dy`, accumulated over batch blocks so the im2col
 * matrix stays under `maxBlockElements`. Runs on any backend through TensorFlow.js ops.
 *
 * @example Same values as `tf.conv2DBackpropFilter`
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { conv2dFilterGrad } from "./_conv2d_filter_grad.ts";
 * const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
 * const dy = tf.randomNormal([2, 8, 8, 4]) as tf.Tensor4D;
 * const dw = conv2dFilterGrad(x, dy, [3, 3, 3, 4], [1, 1], "same");
 * console.log(dw.shape); // [3, 3, 3, 4]
 * ```
 */
export function conv2dFilterGrad(
  x: tf.Tensor,
  dy: tf.Tensor,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: ConvPadding,
  dimRoundingMode?: "floor" | "round" | "ceil",
  options: Conv2dFilterGradOptions = {},
): tf.Tensor {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const [n, , , c] = x.shape as [number, number, number, number];
  const g = convGeometry(info);
  const co = info.outChannels;
  return tf.tidy(() => {
    const padded = padFor(x, g);
    const rowsPerImage = g.outHeight * g.outWidth;
    const cols = g.filterHeight * g.filterWidth * c;
    const limit = options.maxBlockElements ?? DEFAULT_BLOCK_ELEMENTS;
    const block = Math.max(1, Math.min(n, Math.floor(limit / Math.max(1, rowsPerImage * cols))));
    let acc: tf.Tensor2D | undefined;
    for (let b0 = 0; b0 < n; b0 += block) {
      const nb = Math.min(block, n - b0);
      const part = tf.tidy(() => {
        const a = im2col(padded, g, b0, nb);
        const dyRows = tf.reshape(tf.slice(dy, [b0, 0, 0, 0], [nb, g.outHeight, g.outWidth, co]), [
          nb * rowsPerImage,
          co,
        ]);
        return tf.matMul(a, dyRows, true, false) as tf.Tensor2D;
      });
      if (acc === undefined) acc = part;
      else {
        const next = tf.add(acc, part) as tf.Tensor2D;
        acc.dispose();
        part.dispose();
        acc = next;
      }
    }
    return tf.reshape(acc!, filterShape);
  });
}
