// The dense layer Graft builds: TensorFlow.js's Dense, with gradients computed only for what
// needs them.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type DenseArgs = NonNullable<Parameters<typeof tfl.layers.dense>[0]>;
const Dense = tfl.layers.dense({ units: 1, name: "graft_dense_probe" }).constructor as new (
  args: DenseArgs,
) => tfl.layers.Layer;

/** The parts of tfjs-layers' Dense this layer reads. */
interface DenseState {
  kernel: tfl.LayerVariable;
  bias?: tfl.LayerVariable | null;
  activation: { getClassName(): string };
}

/**
 * `Dense` that computes its 2-D linear case as a matrix product and a bias add. TensorFlow.js's
 * fused matMul records one tape node whose gradient computes the input's gradient and the
 * weight's together, even when nothing needs the input's: for the first dense layer after a
 * frozen feature extractor (the seed recipe's 25088x4096) that was a wasted 13-GFLOP product per
 * step. Separate ops have one gradient function per input, run only for inputs on the path to
 * a trainable weight. The class name stays `Dense`, so saved models load anywhere.
 *
 * @example
 * ```ts ignore
 * const layer = new GraftDense({ units: 10, name: "classifier.6" });
 * ```
 */
export class GraftDense extends Dense {
  /** The layer's output for a batch: `x · kernel + bias`. */
  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as DenseState;
    if (!x || x.rank !== 2 || self.activation.getClassName() !== "linear") {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const y = tf.matMul(x, self.kernel.read());
      return self.bias ? tf.add(y, self.bias.read()) : y;
    });
  }
}
