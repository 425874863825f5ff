import {
  batchNorm as bn,
  conv2d,
  dense,
  dropout,
  flatten,
  type Layer,
  maxPool2d,
  relu,
} from "../ops/mod.ts";
import { Spec } from "../spec.ts";
import { chain } from "../_chain.ts";

/**
 * Options of {@linkcode smallVgg}.
 *
 * @example
 * ```ts
 * import { smallVgg, type SmallVggOptions } from "@graft/graft/dsl";
 * const opts: SmallVggOptions = { batchNorm: true, classes: 5, dropout: 0.3 };
 * const spec = smallVgg(opts);
 * ```
 */
export interface SmallVggOptions {
  /** Add BatchNorm after every convolution. Default false. */
  readonly batchNorm?: boolean;
  /** Input `[height, width, channels]`. Default `[32, 32, 3]` (CIFAR-10). */
  readonly inputShape?: readonly [number, number, number];
  /** Classes of the last layer. Default 10. */
  readonly classes?: number;
  /** Dropout rate before the last layer; 0 adds no dropout layer. Default 0. */
  readonly dropout?: number;
}

/** Convolution widths and pools of the small VGG's features ("M": 2×2 max pooling). */
const STAGES: readonly (number | "M")[] = [32, 32, "M", 64, 64, "M", 128, "M"];

/**
 * A small VGG-style network for quick CIFAR-10 runs, tests and transfer-learning demos: 3×3
 * convolutions 32-32-64-64-128 (padding 1) with ReLU (and BatchNorm when asked) and 2×2 max
 * pooling as `features`, then `flatten`, a 128-unit dense layer, ReLU, optional dropout and the
 * class layer as `classifier`. This is the model of `pipelines/cifar10_small.yaml`
 * (`base: small_vgg`), the transfer example and the PyTorch peer of the accuracy benchmark.
 *
 * @example
 * ```ts
 * import { smallVgg } from "@graft/graft/dsl";
 * const spec = smallVgg().freeze("features");
 * console.log(spec.summary().total); // 402986
 * ```
 */
export function smallVgg(
  options: SmallVggOptions = {},
): Spec<`features.${number}` | `classifier.${number}`, "features" | "classifier"> {
  const features: Layer[] = [];
  for (const v of STAGES) {
    if (v === "M") features.push(maxPool2d(2));
    else features.push(conv2d(v, 3, { padding: 1 }), ...(options.batchNorm ? [bn()] : []), relu());
  }
  const rate = options.dropout ?? 0;
  const classifier: Layer[] = [
    flatten(),
    dense(128),
    relu(),
    ...(rate > 0 ? [dropout(rate)] : []),
    dense(options.classes ?? 10),
  ];
  const { nodes, output } = chain([["features", features], ["classifier", classifier]]);
  const call = Object.keys(options).length ? `smallVgg(${JSON.stringify(options)})` : "smallVgg()";
  return new Spec({
    format: "graft.spec/v1",
    name: options.batchNorm ? "small_vgg_bn" : "small_vgg",
    input: { shape: [...(options.inputShape ?? [32, 32, 3])] },
    head: "classifier",
    nodes,
    output,
    retired: [],
    steps: [{ index: 1, call }],
  });
}
