// Convolution and max pooling with PyTorch's explicit zero padding, done inside the kernel.
//
// TensorFlow.js layers know only "same" and "valid". PyTorch's `padding=1` on a stride-2 3×3
// convolution is neither (TensorFlow's "same" pads bottom/right, PyTorch pads all sides), and a
// ZeroPadding2D layer in front costs a padded copy forward and, worse, a Slice backward that
// TensorFlow.js's CPU kernels run element by element (30 s of a 33 s ResNet-18 training step at
// batch 64). TensorFlow.js's ops take explicit padding; these layers pass it straight through, so
// the convolution kernels (oneDNN on `native`) pad on the fly.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { splitsBias } from "./_conv.ts";

type Kwargs = Record<string, unknown>;
type LayerShape = (number | null)[];
type Pair = [number, number];

type Conv2DArgs = NonNullable<Parameters<typeof tfl.layers.conv2d>[0]>;
const Conv2D = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: "graft_conv_probe" })
  .constructor as new (args: Conv2DArgs) => tfl.layers.Layer;

type MaxPoolArgs = NonNullable<Parameters<typeof tfl.layers.maxPooling2d>[0]>;
const MaxPooling2D = tfl.layers.maxPooling2d({ poolSize: 2, name: "graft_pool_probe" })
  .constructor as new (args: MaxPoolArgs) => tfl.layers.Layer;

/** The parts of tfjs-layers' Conv2D the padded call reads. */
interface ConvState {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  strides: Pair;
}

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The padding argument of TensorFlow.js' ops: a number when rows and columns agree (Graft's
 * im2col and filter-gradient kernels take those; they leave explicit arrays to TensorFlow.js).
 */
function explicit([ph, pw]: Pair): number | ExplicitPadding {
  return ph === pw ? ph : [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

function paddedShape(s: LayerShape, [ph, pw]: Pair): LayerShape {
  const grow = (d: number | null | undefined, p: number) => (d == null ? null : d + 2 * p);
  return [s[0] ?? null, grow(s[1], ph), grow(s[2], pw), s[3] ?? null];
}

function single(shape: LayerShape | LayerShape[]): LayerShape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as LayerShape;
}

/** Arguments of {@linkcode PaddedConv2D}: those of `tfl.layers.conv2d` without `padding`. */
export type PaddedConv2DArgs = Omit<Conv2DArgs, "padding"> & {
  /** Zero padding on each side, `[rows, columns]`, as PyTorch's `padding=`. */
  explicitPadding: Pair;
};

/**
 * A 2-D convolution (channels last) with PyTorch's symmetric zero padding applied inside the
 * convolution kernel: the same result as a ZeroPadding2D layer followed by a "valid"
 * convolution, without the padded copy. Its weights are `kernel` and `bias`, as Conv2D's.
 *
 * @example PyTorch's `nn.Conv2d(64, 128, 3, stride=2, padding=1, bias=False)`
 * ```ts
 * import { PaddedConv2D } from "./_padded.ts";
 * const conv = new PaddedConv2D({
 *   filters: 128,
 *   kernelSize: 3,
 *   strides: 2,
 *   explicitPadding: [1, 1],
 *   useBias: false,
 * });
 * ```
 */
export class PaddedConv2D extends Conv2D {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftPaddedConv2D";
  /** Zero padding on each side, `[rows, columns]`. */
  readonly explicitPadding: Pair;

  /** Creates the layer. */
  constructor(args: PaddedConv2DArgs) {
    const { explicitPadding, ...rest } = args;
    super({ ...rest, padding: "valid" });
    this.explicitPadding = [explicitPadding[0], explicitPadding[1]];
  }

  /** The output shape of a "valid" convolution of the padded input. */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return super.computeOutputShape(
      paddedShape(single(inputShape), this.explicitPadding),
    ) as LayerShape;
  }

  /** Convolves with the padding done by the kernel. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const state = this as unknown as ConvState;
      const filter = state.kernel.read() as tf.Tensor4D;
      const pad = explicit(this.explicitPadding);
      // Without a bias the plain op: fused ops go through a custom gradient scope. Where no
      // trainable weight lies upstream, the bias is added apart so the input's gradient is
      // skipped (see splitsBias).
      if (!state.bias) return tf.conv2d(x, filter, state.strides, pad);
      if (splitsBias(this, x, kwargs)) {
        return tf.add(tf.conv2d(x, filter, state.strides, pad), state.bias.read());
      }
      return tf.fused.conv2d({ x, filter, strides: state.strides, pad, bias: state.bias.read() });
    });
  }

  /** Serialisable config. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), explicitPadding: this.explicitPadding };
  }
}
tf.serialization.registerClass(
  PaddedConv2D as unknown as tf.serialization.SerializableConstructor<tfl.layers.Layer>,
);

/** Arguments of {@linkcode PaddedMaxPool2D}: those of `tfl.layers.maxPooling2d` without `padding`. */
export type PaddedMaxPool2DArgs = Omit<MaxPoolArgs, "padding"> & {
  /** Padding on each side, `[rows, columns]`, as PyTorch's `padding=`. */
  explicitPadding: Pair;
};

/**
 * Max pooling (channels last) with PyTorch's padding: padded positions never win, as in
 * `nn.MaxPool2d(3, stride=2, padding=1)`, and no padded copy is made.
 *
 * @example ResNet's stem pooling
 * ```ts
 * import { PaddedMaxPool2D } from "./_padded.ts";
 * const pool = new PaddedMaxPool2D({ poolSize: 3, strides: 2, explicitPadding: [1, 1] });
 * ```
 */
export class PaddedMaxPool2D extends MaxPooling2D {
  /** Class name for TensorFlow.js serialisation. */
  static className = "GraftPaddedMaxPool2D";
  /** Padding on each side, `[rows, columns]`. */
  readonly explicitPadding: Pair;
  readonly #pool: { size: Pair; strides: Pair };

  /** Creates the layer. */
  constructor(args: PaddedMaxPool2DArgs) {
    const { explicitPadding, ...rest } = args;
    super({ ...rest, padding: "valid" });
    this.explicitPadding = [explicitPadding[0], explicitPadding[1]];
    const pair = (v: number | number[] | undefined, d: Pair): Pair =>
      v === undefined ? d : Array.isArray(v) ? [v[0]!, v[1]!] : [v, v];
    const size = pair(rest.poolSize, [2, 2]);
    this.#pool = { size, strides: pair(rest.strides, size) };
  }

  /** The output shape of "valid" pooling of the padded input. */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return super.computeOutputShape(
      paddedShape(single(inputShape), this.explicitPadding),
    ) as LayerShape;
  }

  /** Pools with the padding done by the kernel. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      return tf.maxPool(x, this.#pool.size, this.#pool.strides, explicit(this.explicitPadding));
    });
  }

  /** Serialisable config. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), explicitPadding: this.explicitPadding };
  }
}
tf.serialization.registerClass(
  PaddedMaxPool2D as unknown as tf.serialization.SerializableConstructor<tfl.layers.Layer>,
);
