// The TensorFlow.js compiler's table: how each op of the DSL's op table becomes TensorFlow.js
// layers. Keyed by the same `Op`, exhaustive: an op without an entry here does not compile.
import * as tfl from "@tensorflow/tfjs-layers";
import type { Inputs, Op, OpConfig } from "../dsl/mod.ts";
import { AdaptiveAvgPool2D, FreezableBatchNorm, ReseedingDropout } from "./_layers.ts";
import { GraftConv2D } from "./_conv.ts";
import { GraftDense } from "./_dense.ts";
import { GlobalAvgPool2D } from "./_global_pool.ts";
import { PaddedConv2D, PaddedMaxPool2D } from "./_padded.ts";

/** What a compiler entry gets besides the config. */
export interface TfjsContext {
  /** The node's path, used as the layer name. */
  readonly name: string;
  /** The shapes of the node's inputs (without the batch axis). */
  readonly inputs: Inputs;
  /** A 31-bit seed for this layer (dropout masks). */
  readonly seed: number;
}

/** How one op compiles to TensorFlow.js. */
export interface TfjsOp<K extends Op> {
  /**
   * The layers of a node, applied in order; the last one is named by the path (an average
   * pooling's explicit zero padding comes first as `<path>.pad`).
   */
  readonly layers: (config: OpConfig<K>, context: TfjsContext) => tfl.layers.Layer[];
  /**
   * Standard deviation of torchvision's initial kernel (drawn from the build's seed), or 0
   * when the op has no kernel; biases start at zero.
   */
  readonly kernelStd: (config: OpConfig<K>) => number;
}

type Stored = "same" | "valid" | readonly [number, number];

/** TensorFlow.js padding for a window, and explicit zero padding when it needs some. */
function padding(
  p: Stored,
  [kh, kw]: readonly [number, number],
  [sh, sw]: readonly [number, number],
): { mode: "same" | "valid"; pad?: [number, number] } {
  if (p === "same" || p === "valid") return { mode: p };
  const [ph, pw] = p;
  if (ph === 0 && pw === 0) return { mode: "valid" };
  if (sh === 1 && sw === 1 && kh === 2 * ph + 1 && kw === 2 * pw + 1) return { mode: "same" };
  return { mode: "valid", pad: [ph, pw] };
}

function padded(
  name: string,
  p: { pad?: [number, number] },
  layer: tfl.layers.Layer,
): tfl.layers.Layer[] {
  return p.pad ? [tfl.layers.zeroPadding2d({ padding: p.pad, name: `${name}.pad` }), layer] : [
    layer,
  ];
}

/** Arguments of a Conv2D layer for a conv2d config (weights drawn by build()). */
function convArgs(c: OpConfig<"conv2d">, name: string) {
  return {
    name,
    filters: c.filters,
    kernelSize: [...c.kernelSize],
    strides: [...c.strides],
    useBias: c.useBias,
    kernelInitializer: zeros(),
    biasInitializer: zeros(),
  };
}

const zeros = (): ReturnType<typeof tfl.initializers.zeros> => tfl.initializers.zeros();
const none = (): number => 0;

function pool(kind: "max" | "avg"): TfjsOp<"maxPool2d" | "avgPool2d"> {
  return {
    layers: (c, { name }) => {
      const p = padding(c.padding, c.poolSize, c.strides);
      const args = { name, poolSize: c.poolSize, strides: c.strides, padding: p.mode };
      // Max pooling pads inside the kernel, where a padded position never wins (PyTorch pads
      // with -inf); average pooling counts zeros in, as PyTorch's default does.
      if (kind === "max" && p.pad) {
        return [new PaddedMaxPool2D({ ...args, explicitPadding: p.pad })];
      }
      const layer = kind === "max"
        ? tfl.layers.maxPooling2d(args)
        : tfl.layers.averagePooling2d(args);
      return padded(name, p, layer);
    },
    kernelStd: none,
  };
}

/**
 * The type of the TensorFlow.js compiler table: one entry per op, no more and no fewer.
 *
 * @example
 * ```ts
 * import type { TfjsTable } from "@graft/graft/compile";
 * type ReluEntry = TfjsTable["relu"];
 * ```
 */
export type TfjsTable = { readonly [K in Op]: TfjsOp<K> };

/**
 * The TensorFlow.js compiler table: one entry per op.
 *
 * @example
 * ```ts
 * import { TFJS_OPS } from "@graft/graft/compile";
 * const [layer] = TFJS_OPS.relu.layers({}, { name: "act", inputs: [[4]], seed: 0 });
 * console.log(layer?.name); // "act"
 * ```
 */
export const TFJS_OPS: TfjsTable = Object.freeze(
  {
    conv2d: {
      // PyTorch's padding that "same" cannot express (stride 2, asymmetric) is done inside the
      // convolution kernel: a ZeroPadding2D layer would cost a copy and a slow Slice gradient.
      layers: (c, { name }) => {
        const p = padding(c.padding, c.kernelSize, c.strides);
        return [
          p.pad
            ? new PaddedConv2D({ ...convArgs(c, name), explicitPadding: p.pad })
            : new GraftConv2D({ ...convArgs(c, name), padding: p.mode }),
        ];
      },
      // kaiming normal, fan_out
      kernelStd: (c) => Math.sqrt(2 / (c.kernelSize[0] * c.kernelSize[1] * c.filters)),
    },
    dense: {
      layers: (c, { name }) => [
        new GraftDense({
          name,
          units: c.units,
          useBias: c.useBias,
          kernelInitializer: zeros(), // drawn by build()
          biasInitializer: zeros(),
        }),
      ],
      kernelStd: () => 0.01,
    },
    relu: { layers: (_, { name }) => [tfl.layers.reLU({ name })], kernelStd: none },
    dropout: {
      layers: (c, { name, seed }) => [new ReseedingDropout({ name, rate: c.rate, seed })],
      kernelStd: none,
    },
    maxPool2d: pool("max"),
    avgPool2d: pool("avg"),
    adaptiveAvgPool2d: {
      layers: (c, { name }) => [new AdaptiveAvgPool2D({ name, outputSize: [...c.outputSize] })],
      kernelStd: none,
    },
    globalAvgPool2d: {
      layers: (_, { name }) => [new GlobalAvgPool2D({ name })],
      kernelStd: none,
    },
    flatten: { layers: (_, { name }) => [tfl.layers.flatten({ name })], kernelStd: none },
    batchNorm: {
      layers: (c, { name, inputs: [x] }) => [
        new FreezableBatchNorm({
          name,
          axis: x.length === 3 ? 3 : 1,
          epsilon: c.epsilon,
          momentum: 1 - c.momentum, // Keras' convention
        }),
      ],
      kernelStd: none,
    },
    add: { layers: (_, { name }) => [tfl.layers.add({ name })], kernelStd: none },
    concat: {
      layers: (_, { name }) => [tfl.layers.concatenate({ name, axis: -1 })],
      kernelStd: none,
    },
  },
);

/** The entry of an op, callable with any node's config (a node's op and config agree). */
export function tfjsOp(op: Op): TfjsOp<Op> {
  return TFJS_OPS[op] as unknown as TfjsOp<Op>;
}
