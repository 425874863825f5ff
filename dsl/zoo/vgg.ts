import {
  adaptiveAvgPool2d,
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
import { chain, type ChainGroup } from "../_chain.ts";

/** The VGG depths torchvision ships. */
export type VggDepth = 11 | 13 | 16 | 19;

const CONFIGS: Record<VggDepth, readonly (number | "M")[]> = {
  11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  19: [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
    "M",
  ],
};

/**
 * The integers `0..N` as a union type.
 *
 * @example
 * ```ts
 * import type { Upto } from "@graft/graft/dsl";
 * const i: Upto<3> = 2;
 * ```
 */
export type Upto<N extends number, A extends number[] = []> = A["length"] extends N ? A[number] | N
  : Upto<N, [...A, A["length"]]>;

/**
 * The paths of a VGG whose last `features` index is `F`, as torchvision names its modules.
 *
 * @example
 * ```ts
 * import type { VggPaths } from "@graft/graft/dsl";
 * const p: VggPaths<30> = "classifier.6";
 * ```
 */
export type VggPaths<F extends number> =
  | `features.${Upto<F>}`
  | "avgpool"
  | "flatten"
  | `classifier.${Upto<6>}`;

/**
 * The groups of a VGG spec.
 *
 * @example
 * ```ts
 * import type { VggGroups } from "@graft/graft/dsl";
 * const g: VggGroups = "features";
 * ```
 */
export type VggGroups = "features" | "avgpool" | "flatten" | "classifier";

/**
 * Options of the VGG zoo functions.
 *
 * @example CIFAR-10 sized
 * ```ts
 * import { vgg16, type VggOptions } from "@graft/graft/dsl";
 * const opts: VggOptions = { inputShape: [32, 32, 3], classes: 10 };
 * const spec = vgg16(opts);
 * ```
 */
export interface VggOptions {
  /** Add BatchNorm after every convolution (torchvision's `vgg16_bn`). Default false. */
  readonly batchNorm?: boolean;
  /** Input `[height, width, channels]`; at least 32×32. Default `[224, 224, 3]`. */
  readonly inputShape?: readonly [number, number, number];
  /** Classes of the last layer. Default 1000. */
  readonly classes?: number;
  /** Dropout rate in the classifier. Default 0.5. */
  readonly dropout?: number;
  /**
   * Start from pretrained weights: `"imagenet"` (torchvision's published weights, downloaded
   * once into a cache) or the path of a `.safetensors`, `.h5` or Graft checkpoint. Stored in the
   * spec; `buildWithWeights(spec)` builds the model and loads them. Default: none.
   */
  readonly weights?: "imagenet" | (string & Record<never, never>);
}

/**
 * The `features` layers of a torchvision VGG: 3×3 convolutions with padding 1, ReLU,
 * BatchNorm when asked, 2×2 max pooling. For building CIFAR-style VGGs with `sequential()`.
 *
 * @example A CIFAR-style VGG16: VGG16 features, then one 10-way layer
 * ```ts
 * import { dense, flatten, sequential, vggFeatures } from "@graft/graft/dsl";
 * const spec = sequential("vgg16_cifar", [32, 32, 3], {
 *   features: vggFeatures(16),
 *   classifier: [flatten(), dense(10)],
 * });
 * ```
 */
export function vggFeatures(depth: VggDepth, options: { batchNorm?: boolean } = {}): Layer[] {
  const layers: Layer[] = [];
  for (const v of CONFIGS[depth]) {
    if (v === "M") {
      layers.push(maxPool2d(2));
    } else {
      layers.push(conv2d(v, 3, { padding: 1 }));
      if (options.batchNorm) layers.push(bn());
      layers.push(relu());
    }
  }
  return layers;
}

function vgg(depth: VggDepth, options: VggOptions): Spec<string, VggGroups> {
  const shape = options.inputShape ?? [224, 224, 3];
  if (shape[0] < 32 || shape[1] < 32) {
    throw new RangeError(
      `Invalid inputShape for vgg${depth}: expected at least 32×32, received ${shape.join("×")}`,
    );
  }
  const rate = options.dropout ?? 0.5;
  const groups: ChainGroup[] = [
    ["features", vggFeatures(depth, { batchNorm: options.batchNorm ?? false })],
    ["avgpool", [adaptiveAvgPool2d(7)], true],
    ["flatten", [flatten()], true],
    ["classifier", [
      dense(4096),
      relu(),
      dropout(rate),
      dense(4096),
      relu(),
      dropout(rate),
      dense(options.classes ?? 1000),
    ]],
  ];
  const { nodes, output } = chain(groups);
  const name = `vgg${depth}${options.batchNorm ? "_bn" : ""}`;
  const call = Object.keys(options).length ? `${name}(${JSON.stringify(options)})` : `${name}()`;
  return new Spec({
    format: "graft.spec/v1",
    name,
    input: { shape: [...shape] },
    head: "classifier",
    nodes,
    output,
    retired: [],
    steps: [{ index: 1, call }],
    ...(options.weights !== undefined ? { weights: options.weights } : {}),
  });
}

/**
 * VGG-11 with torchvision's module names (`features.0..20`, `avgpool`, `classifier.0..6`;
 * with BatchNorm `features.0..28`).
 *
 * @example
 * ```ts
 * import { vgg11 } from "@graft/graft/dsl";
 * console.log(vgg11().summary().total); // 132863336
 * ```
 */
export function vgg11(options?: VggOptions & { batchNorm?: false }): Spec<VggPaths<20>, VggGroups>;
/** VGG-11 with BatchNorm (`vgg11_bn`). */
export function vgg11(options: VggOptions & { batchNorm: true }): Spec<VggPaths<28>, VggGroups>;
/** VGG-11, with or without BatchNorm. */
export function vgg11(options: VggOptions): Spec<VggPaths<28>, VggGroups>;
export function vgg11(options: VggOptions = {}): Spec<string, VggGroups> {
  return vgg(11, options);
}

/**
 * VGG-13 with torchvision's module names (`features.0..24`; with BatchNorm `features.0..34`).
 *
 * @example
 * ```ts
 * import { vgg13 } from "@graft/graft/dsl";
 * console.log(vgg13({ batchNorm: true }).summary().total); // 133053736
 * ```
 */
export function vgg13(options?: VggOptions & { batchNorm?: false }): Spec<VggPaths<24>, VggGroups>;
/** VGG-13 with BatchNorm (`vgg13_bn`). */
export function vgg13(options: VggOptions & { batchNorm: true }): Spec<VggPaths<34>, VggGroups>;
/** VGG-13, with or without BatchNorm. */
export function vgg13(options: VggOptions): Spec<VggPaths<34>, VggGroups>;
export function vgg13(options: VggOptions = {}): Spec<string, VggGroups> {
  return vgg(13, options);
}

/**
 * VGG-16 with torchvision's module names (`features.0..30`, `avgpool`, `classifier.0..6`;
 * with BatchNorm `features.0..43`).
 *
 * @example The seed recipe
 * ```ts
 * import { vgg16 } from "@graft/graft/dsl";
 * const spec = vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).drop(2).freeze("features");
 * ```
 */
export function vgg16(options?: VggOptions & { batchNorm?: false }): Spec<VggPaths<30>, VggGroups>;
/** VGG-16 with BatchNorm (`vgg16_bn`). */
export function vgg16(options: VggOptions & { batchNorm: true }): Spec<VggPaths<43>, VggGroups>;
/** VGG-16, with or without BatchNorm. */
export function vgg16(options: VggOptions): Spec<VggPaths<43>, VggGroups>;
export function vgg16(options: VggOptions = {}): Spec<string, VggGroups> {
  return vgg(16, options);
}

/**
 * VGG-19 with torchvision's module names (`features.0..36`; with BatchNorm `features.0..52`).
 *
 * @example
 * ```ts
 * import { vgg19 } from "@graft/graft/dsl";
 * console.log(vgg19().summary().total); // 143667240
 * ```
 */
export function vgg19(options?: VggOptions & { batchNorm?: false }): Spec<VggPaths<36>, VggGroups>;
/** VGG-19 with BatchNorm (`vgg19_bn`). */
export function vgg19(options: VggOptions & { batchNorm: true }): Spec<VggPaths<52>, VggGroups>;
/** VGG-19, with or without BatchNorm. */
export function vgg19(options: VggOptions): Spec<VggPaths<52>, VggGroups>;
export function vgg19(options: VggOptions = {}): Spec<string, VggGroups> {
  return vgg(19, options);
}
