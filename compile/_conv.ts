// The 2-D convolution Graft builds: TensorFlow.js's Conv2D, without the input's gradient where
// nothing needs it.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type Conv2DArgs = NonNullable<Parameters<typeof tfl.layers.conv2d>[0]>;
const Conv2D = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: "graft_conv2d_probe" })
  .constructor as new (args: Conv2DArgs) => tfl.layers.Layer;

/** The parts of tfjs-layers' layers and graph nodes this file reads. */
interface LayerState {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  strides: [number, number];
  padding: "same" | "valid";
  dilationRate: [number, number];
  activation: { getClassName(): string };
  inboundNodes: { inboundLayers: tfl.layers.Layer[] }[];
}

/**
 * Whether any layer upstream of `layer` in its model has a trainable weight now (read at each
 * call, so unfreezing a layer later is seen at once).
 */
export function upstreamTrainable(layer: tfl.layers.Layer): boolean {
  const seen = new Set<tfl.layers.Layer>();
  const stack = [layer];
  while (stack.length) {
    const l = stack.pop()!;
    for (const node of (l as unknown as LayerState).inboundNodes ?? []) {
      for (const up of node.inboundLayers) {
        if (seen.has(up)) continue;
        seen.add(up);
        if (up.trainable && up.trainableWeights.length > 0) return true;
        stack.push(up);
      }
    }
  }
  return false;
}

/**
 * Whether a training call of `layer` should run its convolution and bias add as two ops:
 * TensorFlow.js's fused convolution records one tape node whose gradient computes the input's
 * gradient with the weights', even where nothing needs it. Two ops have one gradient function
 * per input, and the input's runs only on the path to a trainable weight. That drops the
 * first convolution's input gradient (a 3-channel product that oneDNN runs slowly: ~24 ms of
 * a VGG training step at batch 64) and that of the first trainable convolution after frozen
 * layers. Elsewhere, frozen convolutions included, the fused op is faster (the bias add rides
 * along), so it is kept.
 */
export function splitsBias(
  layer: tfl.layers.Layer,
  x: tf.Tensor,
  kwargs: Record<string, unknown>,
): boolean {
  const s = layer as unknown as LayerState;
  // A frozen convolution needs no gradient at all (its tape node is pruned whole): fused.
  return kwargs["training"] === true && s.bias != null && x.rank === 4 &&
    layer.trainable && layer.trainableWeights.length > 0 &&
    s.activation.getClassName() === "linear" && !upstreamTrainable(layer);
}

/**
 * `Conv2D` whose training call skips the input's gradient where no trainable weight lies
 * upstream (see {@linkcode splitsBias}); outputs and weight gradients are those of
 * TensorFlow.js's Conv2D. The class name stays `Conv2D`, so saved models load anywhere.
 *
 * @example
 * ```ts ignore
 * const layer = new GraftConv2D({ filters: 64, kernelSize: 3, padding: "same", name: "features.0" });
 * ```
 */
export class GraftConv2D extends Conv2D {
  /** The layer's output for a batch. */
  override call(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x || !splitsBias(this, x, kwargs)) return super.call(inputs, kwargs);
    const s = this as unknown as LayerState;
    return tf.tidy(() =>
      tf.add(
        tf.conv2d(
          x as tf.Tensor4D,
          s.kernel.read() as tf.Tensor4D,
          s.strides,
          s.padding,
          "NHWC",
          s.dilationRate,
        ),
        s.bias!.read(),
      )
    );
  }
}
