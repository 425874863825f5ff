import * as tf from "@tensorflow/tfjs-core";

/** Geometry of one im2col: kernel, strides, padding before the first row/column, output size. */
export interface Im2colGeometry {
  readonly fh: number;
  readonly fw: number;
  readonly sh: number;
  readonly sw: number;
  readonly top: number;
  readonly left: number;
  readonly oh: number;
  readonly ow: number;
}

/** The im2col geometry of TensorFlow.js's convolution info. */
export function geometryOf(info: tf.backend_util.Conv2DInfo): Im2colGeometry {
  return {
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    oh: info.outHeight,
    ow: info.outWidth,
  };
}

/** Zero-pads an NHWC tensor so that every tap of the geometry reads inside it. */
export function padFor(x: tf.Tensor, g: Im2colGeometry): tf.Tensor {
  const [, h, w] = x.shape as [number, number, number, number];
  const bottom = Math.max(0, g.fh + g.sh * (g.oh - 1) - h - g.top);
  const right = Math.max(0, g.fw + g.sw * (g.ow - 1) - w - g.left);
  if (!g.top && !g.left && !bottom && !right) return x;
  return tf.pad(x as tf.Tensor4D, [[0, 0], [g.top, bottom], [g.left, right], [0, 0]]);
}

/**
 * The im2col matrix of images `b0 .. b0 + nb - 1` of an already padded NHWC tensor:
 * `[nb * oh * ow, fh * fw * c]`, columns in HWIO filter order (tap row, tap column, channel),
 * built from one strided slice per tap concatenated along channels.
 */
export function im2col(padded: tf.Tensor, g: Im2colGeometry, b0: number, nb: number): tf.Tensor2D {
  const c = padded.shape[3]!;
  return tf.tidy(() => {
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < g.fh; i++) {
      for (let j = 0; j < g.fw; j++) {
        taps.push(
          g.sh === 1 && g.sw === 1
            ? tf.slice(padded, [b0, i, j, 0], [nb, g.oh, g.ow, c])
            : tf.stridedSlice(
              padded,
              [b0, i, j, 0],
              [b0 + nb, i + g.sh * (g.oh - 1) + 1, j + g.sw * (g.ow - 1) + 1, c],
              [1, g.sh, g.sw, 1],
            ),
        );
      }
    }
    const cols = taps.length === 1 ? taps[0]! : tf.concat(taps, 3);
    return tf.reshape(cols, [nb * g.oh * g.ow, g.fh * g.fw * c]);
  });
}
