// Custom TensorFlow.js layers the compile step needs.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { batchNormTraining, hasFusedBatchNorm } from "../tfjs_kernels/batch_norm_training.ts";

type Kwargs = Record<string, unknown>;
type LayerShape = (number | null)[];

/** Averaging matrix `[out, in]` of torchvision's adaptive average pooling along one axis. */
function poolingMatrix(size: number, out: number): tf.Tensor2D {
  const m = new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return tf.tensor2d(m, [out, size]);
}

/** Arguments of {@linkcode AdaptiveAvgPool2D}. */
export interface AdaptiveAvgPool2DArgs {
  /** `[height, width]` of the output. */
  outputSize: [number, number];
  /** Layer name. */
  name?: string;
  /** Whether the layer is trainable (it has no weights). */
  trainable?: boolean;
}

/**
 * Adaptive average pooling with torchvision's semantics, channels last, as two small matrix
 * products (differentiable on every backend).
 *
 * @example
 * ```ts
 * import { AdaptiveAvgPool2D } from "./_layers.ts";
 * const pool = new AdaptiveAvgPool2D({ outputSize: [7, 7] });
 * ```
 */
export class AdaptiveAvgPool2D extends tfl.layers.Layer {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftAdaptiveAvgPool2D";
  /** `[height, width]` of the output. */
  readonly outputSize: [number, number];

  /** Creates the layer. */
  constructor(args: AdaptiveAvgPool2DArgs) {
    super(args);
    this.outputSize = [args.outputSize[0], args.outputSize[1]];
  }

  /** `[batch, oh, ow, channels]`. */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    return [s[0] ?? null, this.outputSize[0], this.outputSize[1], s[3] ?? null];
  }

  /** Pools `[batch, h, w, c]` to `[batch, oh, ow, c]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const [oh, ow] = this.outputSize;
      if (h === oh && w === ow) return x.clone();
      if (h % oh === 0 && w % ow === 0) {
        return tf.avgPool(x, [h / oh, w / ow], [h / oh, w / ow], "valid");
      }
      // Rows: [n, h, w, c] -> [n, w, c, h] x [h, oh] -> [n, w, c, oh]
      const rows = tf.matMul(
        tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [n * w * c, h]),
        poolingMatrix(h, oh),
        false,
        true,
      );
      // Columns: [n, w, c, oh] -> [n, oh, c, w] x [w, ow] -> [n, oh, c, ow]
      const cols = tf.matMul(
        tf.reshape(tf.transpose(tf.reshape(rows, [n, w, c, oh]), [0, 3, 2, 1]), [n * oh * c, w]),
        poolingMatrix(w, ow),
        false,
        true,
      );
      return tf.transpose(tf.reshape(cols, [n, oh, c, ow]), [0, 1, 3, 2]);
    });
  }

  /** Serialisable config. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outputSize: this.outputSize };
  }
}
tf.serialization.registerClass(AdaptiveAvgPool2D);

type BatchNormArgs = NonNullable<Parameters<typeof tfl.layers.batchNormalization>[0]>;
const BatchNormalization = tfl.layers.batchNormalization({ name: "graft_bn_probe" })
  .constructor as new (args: BatchNormArgs) => tfl.layers.Layer;

/** The parts of tfjs-layers' BatchNormalization the fused path reads. */
interface BatchNormState {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: tfl.LayerVariable;
  beta?: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/**
 * BatchNorm that honours `trainable`: when frozen it always runs in inference mode, using and
 * keeping its moving statistics, as Keras does and TensorFlow.js does not. In training, on a
 * backend with Graft's fused kernels (`graft-native`), it normalises in one kernel forward and
 * one backward instead of TensorFlow.js's composite of moments and broadcasts; the result and
 * the moving-statistics update are the same.
 *
 * @example
 * ```ts
 * import { FreezableBatchNorm } from "./_layers.ts";
 * const bn = new FreezableBatchNorm({ momentum: 0.9, epsilon: 1e-5 });
 * bn.trainable = false; // now always in inference mode
 * ```
 */
export class FreezableBatchNorm extends BatchNormalization {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftBatchNorm";

  /** Normalises; a frozen layer ignores `training: true`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const training = this.trainable && kwargs.training === true;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const state = this as unknown as BatchNormState;
    const lastAxis = x !== undefined && (state.axis === -1 || state.axis === x.rank - 1);
    if (!training || !lastAxis || !state.gamma || !state.beta || !hasFusedBatchNorm()) {
      return super.call(inputs, { ...kwargs, training });
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(
        x!,
        state.gamma!.read(),
        state.beta!.read(),
        state.epsilon,
      );
      // The moving averages, exactly as tfjs-layers updates them.
      const decay = 1 - state.momentum;
      for (
        const [v, value] of [[state.movingMean, mean], [state.movingVariance, variance]] as const
      ) {
        const old = v.read();
        v.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
      }
      mean.dispose();
      variance.dispose();
      return y;
    });
  }
}
tf.serialization.registerClass(
  FreezableBatchNorm as unknown as tf.serialization.SerializableConstructor<tfl.layers.Layer>,
);

type DropoutArgs = NonNullable<Parameters<typeof tfl.layers.dropout>[0]>;
const Dropout = tfl.layers.dropout({ rate: 0.5, name: "graft_dropout_probe" })
  .constructor as new (args: DropoutArgs) => tfl.layers.Layer & { seed?: number };

/**
 * Dropout that draws a new mask on every training call. TensorFlow.js's `Dropout` with a seed
 * draws the same mask every time; this one derives each call's seed from the layer's seed and
 * a call counter, so a seeded build stays reproducible and the masks still vary.
 */
export class ReseedingDropout extends Dropout {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftDropout";
  #base: number | undefined;
  #calls = 0;

  /** Creates the layer; `seed` fixes the sequence of masks. */
  constructor(args: DropoutArgs) {
    super(args);
    this.#base = args.seed;
  }

  /** Drops units in training with this call's seed. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    if (kwargs.training === true && this.#base !== undefined) {
      this.seed = (this.#base + Math.imul(++this.#calls, 0x9e3779b1)) >>> 0;
    }
    return super.call(inputs, kwargs);
  }
}
tf.serialization.registerClass(
  ReseedingDropout as unknown as tf.serialization.SerializableConstructor<tfl.layers.Layer>,
);
