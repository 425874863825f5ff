import type { Json, Op } from "./types.ts";

/**
 * A layer not yet placed in a spec: an op and its config. Made by the catalogue functions
 * (`conv2d`, `dense`, ...) and placed by `insert()`, `replace()` or `replaceHead()`.
 *
 * @example
 * ```ts
 * import { dense, type Layer } from "@graft/graft/dsl";
 * const head: Layer = dense(10);
 * console.log(head.op, head.config.units); // "dense" 10
 * ```
 */
export interface Layer {
  /** Discriminant: a single layer. */
  readonly kind: "layer";
  /** The layer type. */
  readonly op: Op;
  /** The layer's settings, plain JSON. */
  readonly config: { readonly [key: string]: Json };
}

/** Padding: `"same"`, `"valid"`, or explicit zero padding per side (PyTorch's `padding=`). */
export type Padding = "same" | "valid" | number | readonly [number, number];

function layer(op: Op, config: { [key: string]: Json } = {}): Layer {
  return Object.freeze({ kind: "layer", op, config: Object.freeze(config) });
}

function pair(v: number | readonly [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < 0) {
      throw new RangeError(`Invalid ${what}: expected a non-negative integer, received ${x}`);
    }
  }
  return p;
}

function positive(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`Invalid ${what}: expected a positive integer, received ${v}`);
  }
  return v;
}

function padding(p: Padding): Json {
  return typeof p === "string" ? p : pair(p, "padding");
}

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  /** Stride per axis. Default 1. */
  readonly strides?: number | readonly [number, number];
  /** Padding. Default `"valid"` (no padding), as PyTorch and Keras. */
  readonly padding?: Padding;
  /** Add a bias. Default true. */
  readonly useBias?: boolean;
}

/**
 * A 2-D convolution, channels last; input channels are inferred.
 *
 * @example PyTorch's `nn.Conv2d(in, 64, kernel_size=3, padding=1)`
 * ```ts
 * import { conv2d } from "@graft/graft/dsl";
 * const conv = conv2d(64, 3, { padding: 1 });
 * ```
 */
export function conv2d(
  filters: number,
  kernelSize: number | readonly [number, number] = 3,
  options: Conv2dOptions = {},
): Layer {
  const kernel = pair(kernelSize, "kernelSize");
  if (kernel[0] < 1 || kernel[1] < 1) positive(0, "kernelSize");
  const strides = pair(options.strides ?? 1, "strides");
  if (strides[0] < 1 || strides[1] < 1) positive(0, "strides");
  return layer("conv2d", {
    filters: positive(filters, "filters"),
    kernelSize: kernel,
    strides,
    padding: padding(options.padding ?? "valid"),
    useBias: options.useBias ?? true,
  });
}

/** Options of {@linkcode dense}. */
export interface DenseOptions {
  /** Add a bias. Default true. */
  readonly useBias?: boolean;
}

/**
 * A fully connected layer (PyTorch's `nn.Linear`); input features are inferred.
 *
 * @example A 10-way head
 * ```ts
 * import { dense } from "@graft/graft/dsl";
 * const head = dense(10);
 * ```
 */
export function dense(units: number, options: DenseOptions = {}): Layer {
  return layer("dense", { units: positive(units, "units"), useBias: options.useBias ?? true });
}

/**
 * Rectified linear unit.
 *
 * @example
 * ```ts
 * import { relu } from "@graft/graft/dsl";
 * const act = relu();
 * ```
 */
export function relu(): Layer {
  return layer("relu");
}

/**
 * Dropout, active in training only.
 *
 * @example
 * ```ts
 * import { dropout } from "@graft/graft/dsl";
 * const d = dropout(0.5);
 * ```
 */
export function dropout(rate = 0.5): Layer {
  if (!(rate >= 0 && rate < 1)) {
    throw new RangeError(`Invalid dropout rate: expected a number in [0, 1), received ${rate}`);
  }
  return layer("dropout", { rate });
}

/** Options of the pooling layers. */
export interface PoolOptions {
  /** Stride per axis. Default: the pool size. */
  readonly strides?: number | readonly [number, number];
  /** Padding. Default `"valid"`. */
  readonly padding?: Padding;
}

function pool(op: Op, poolSize: number | readonly [number, number], options: PoolOptions): Layer {
  const size = pair(poolSize, "poolSize");
  if (size[0] < 1 || size[1] < 1) positive(0, "poolSize");
  const strides = pair(options.strides ?? size, "strides");
  if (strides[0] < 1 || strides[1] < 1) positive(0, "strides");
  return layer(op, { poolSize: size, strides, padding: padding(options.padding ?? "valid") });
}

/**
 * Max pooling (PyTorch's `nn.MaxPool2d(kernel_size=2, stride=2)` by default).
 *
 * @example
 * ```ts
 * import { maxPool2d } from "@graft/graft/dsl";
 * const pool = maxPool2d(2);
 * ```
 */
export function maxPool2d(
  poolSize: number | readonly [number, number] = 2,
  options: PoolOptions = {},
): Layer {
  return pool("maxPool2d", poolSize, options);
}

/**
 * Average pooling.
 *
 * @example
 * ```ts
 * import { avgPool2d } from "@graft/graft/dsl";
 * const pool = avgPool2d(2);
 * ```
 */
export function avgPool2d(
  poolSize: number | readonly [number, number] = 2,
  options: PoolOptions = {},
): Layer {
  return pool("avgPool2d", poolSize, options);
}

/**
 * Adaptive average pooling to a fixed output size, as torchvision's `nn.AdaptiveAvgPool2d`:
 * output cell `i` averages input rows `floor(i*H/h)` to `ceil((i+1)*H/h)`, so a 1×1 input is
 * repeated to 7×7.
 *
 * @example VGG's `avgpool`
 * ```ts
 * import { adaptiveAvgPool2d } from "@graft/graft/dsl";
 * const pool = adaptiveAvgPool2d(7);
 * ```
 */
export function adaptiveAvgPool2d(outputSize: number | readonly [number, number]): Layer {
  const size = pair(outputSize, "outputSize");
  if (size[0] < 1 || size[1] < 1) positive(0, "outputSize");
  return layer("adaptiveAvgPool2d", { outputSize: size });
}

/**
 * Global average pooling: `[H, W, C]` to `[C]`.
 *
 * @example
 * ```ts
 * import { globalAvgPool2d } from "@graft/graft/dsl";
 * const pool = globalAvgPool2d();
 * ```
 */
export function globalAvgPool2d(): Layer {
  return layer("globalAvgPool2d");
}

/**
 * Flattens `[H, W, C]` to `[H*W*C]`, channels last.
 *
 * @example
 * ```ts
 * import { flatten } from "@graft/graft/dsl";
 * const f = flatten();
 * ```
 */
export function flatten(): Layer {
  return layer("flatten");
}

/** Options of {@linkcode batchNorm}. */
export interface BatchNormOptions {
  /** Added to the variance. Default 1e-5, as PyTorch. */
  readonly epsilon?: number;
  /**
   * Weight of the new batch statistic in the moving average, PyTorch's convention
   * (Keras' momentum is `1 - momentum`). Default 0.1.
   */
  readonly momentum?: number;
}

/**
 * Batch normalisation over the last (channel) axis. Its moving statistics are buffers, not
 * parameters; frozen, it runs in inference mode and keeps them.
 *
 * @example
 * ```ts
 * import { batchNorm } from "@graft/graft/dsl";
 * const bn = batchNorm({ momentum: 0.1 });
 * ```
 */
export function batchNorm(options: BatchNormOptions = {}): Layer {
  const epsilon = options.epsilon ?? 1e-5;
  const momentum = options.momentum ?? 0.1;
  if (!(epsilon > 0)) throw new RangeError(`Invalid epsilon: expected > 0, received ${epsilon}`);
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`Invalid momentum: expected a number in [0, 1], received ${momentum}`);
  }
  return layer("batchNorm", { epsilon, momentum });
}
