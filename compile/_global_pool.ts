// Global average pooling as one batched matrix product.
//
// tfjs-layers' GlobalAveragePooling2D is a Mean over the two spatial axes: TensorFlow.js's CPU
// kernels transpose the map to put those axes last before reducing, and its gradient multiplies
// the output gradient by a broadcast tensor of ones, element by element. On a ResNet-18 training
// step at batch 64 the two took about 1.6 s, as long as a convolution. Written as
// (1/HW) · ones[1, HW] × x[N, HW, C], forward and backward are matrix products, which every
// backend (the native one through GEMM) computes at full speed.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type Kwargs = Record<string, unknown>;
type LayerShape = (number | null)[];

/** Arguments of {@linkcode GlobalAvgPool2D}. */
export interface GlobalAvgPool2DArgs {
  /** Layer name. */
  name?: string;
  /** Whether the layer is trainable (it has no weights). */
  trainable?: boolean;
}

/**
 * Global average pooling, channels last: `[batch, h, w, c]` to `[batch, c]`, the same values as
 * `tfl.layers.globalAveragePooling2d`, computed as a batched matrix product.
 *
 * @example
 * ```ts
 * import { GlobalAvgPool2D } from "./_global_pool.ts";
 * const pool = new GlobalAvgPool2D({ name: "avgpool" });
 * ```
 */
export class GlobalAvgPool2D extends tfl.layers.Layer {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftGlobalAvgPool2D";

  /** Creates the layer. */
  constructor(args: GlobalAvgPool2DArgs = {}) {
    super(args);
  }

  /** `[batch, channels]`. */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    return [s[0] ?? null, s[3] ?? null];
  }

  /** Averages over height and width. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const weights = tf.fill([1, 1, h * w], 1 / (h * w));
      return tf.reshape(tf.matMul(weights, tf.reshape(x, [n, h * w, c])), [n, c]);
    });
  }
}
tf.serialization.registerClass(GlobalAvgPool2D);
