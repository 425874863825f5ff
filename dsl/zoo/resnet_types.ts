import type { Upto } from "./vgg.ts";

/** The ResNet depths torchvision ships. */
export type ResnetDepth = 18 | 34 | 50 | 101 | 152;

/** A residual block: torchvision's `BasicBlock` (two 3×3 convolutions) or `Bottleneck` (1×1, 3×3, 1×1, ×4 channels). */
export type ResnetBlock = "basic" | "bottleneck";

/** The layers of a basic block, by their name in the block. */
type BasicPart = "conv1" | "bn1" | "relu1" | "conv2" | "bn2" | "add" | "relu";
/** The layers of a bottleneck block. */
type BottleneckPart = BasicPart | "relu2" | "conv3" | "bn3";
type Downsample = "downsample.0" | "downsample.1";

type StagePaths<L extends string, N extends number, Part extends string> = `${L}.${Upto<
  N
>}.${Part}`;

/**
 * The paths of a torchvision ResNet whose stages have `A`, `B`, `C`, `D` blocks (as last index:
 * blocks - 1). `Part` is the layers of one block; `First` the stages whose block 0 has a
 * downsample shortcut.
 *
 * @example
 * ```ts
 * import type { ResnetPaths } from "@graft/graft/dsl";
 * const p: ResnetPaths<1, 1, 1, 1, "conv1" | "bn1", "layer2"> = "layer2.0.downsample.0";
 * ```
 */
export type ResnetPaths<
  Counts extends readonly [number, number, number, number],
  Part extends string,
  First extends string,
> =
  | "conv1"
  | "bn1"
  | "relu"
  | "maxpool"
  | StagePaths<"layer1", Counts[0], Part>
  | StagePaths<"layer2", Counts[1], Part>
  | StagePaths<"layer3", Counts[2], Part>
  | StagePaths<"layer4", Counts[3], Part>
  | `${First}.0.${Downsample}`
  | "avgpool"
  | "fc";

/**
 * The groups of a ResNet spec: torchvision's top-level modules. The stem is `conv1`, `bn1`,
 * `relu`, `maxpool`; the head is `fc`.
 *
 * @example
 * ```ts
 * import type { ResnetGroups } from "@graft/graft/dsl";
 * const g: ResnetGroups = "layer4";
 * ```
 */
export type ResnetGroups =
  | "conv1"
  | "bn1"
  | "relu"
  | "maxpool"
  | "layer1"
  | "layer2"
  | "layer3"
  | "layer4"
  | "avgpool"
  | "fc";

type Basic<C extends readonly [number, number, number, number]> = ResnetPaths<
  C,
  BasicPart,
  "layer2" | "layer3" | "layer4"
>;
type Bottleneck<C extends readonly [number, number, number, number]> = ResnetPaths<
  C,
  BottleneckPart,
  "layer1" | "layer2" | "layer3" | "layer4"
>;
/** The paths without the stem's max pool (`cifarStem: true`). */
type Cifar<P extends string> = Exclude<P, "maxpool">;
/** The groups without `maxpool` (`cifarStem: true`). */
export type CifarResnetGroups = Exclude<ResnetGroups, "maxpool">;

/** Paths of `resnet18()`. */
export type Resnet18Paths = Basic<[1, 1, 1, 1]>;
/** Paths of `resnet34()`. */
export type Resnet34Paths = Basic<[2, 3, 5, 2]>;
/** Paths of `resnet50()`. */
export type Resnet50Paths = Bottleneck<[2, 3, 5, 2]>;
/** Paths of `resnet101()`. */
export type Resnet101Paths = Bottleneck<[2, 3, 22, 2]>;
/** Paths of `resnet152()`. */
export type Resnet152Paths = Bottleneck<[2, 7, 35, 2]>;

/**
 * Options of the ResNet zoo functions.
 *
 * @example CIFAR-10: the CIFAR stem and 10 classes
 * ```ts
 * import { resnet18, type ResnetOptions } from "@graft/graft/dsl";
 * const opts: ResnetOptions = { inputShape: [32, 32, 3], classes: 10, cifarStem: true };
 * const spec = resnet18(opts);
 * ```
 */
export interface ResnetOptions {
  /** Input `[height, width, channels]`. Default `[224, 224, 3]`. */
  readonly inputShape?: readonly [number, number, number];
  /** Classes of `fc`. Default 1000. */
  readonly classes?: number;
  /**
   * The CIFAR variant: `conv1` a 3×3 stride-1 convolution and no `maxpool`, so 32×32 images
   * keep their resolution into `layer1` (as CIFAR-10 papers and repositories build it).
   * Default false (torchvision's 7×7 stride-2 `conv1` and 3×3 stride-2 `maxpool`).
   */
  readonly cifarStem?: boolean;
  /**
   * Where a bottleneck block strides: `"v1.5"` (torchvision, timm: on the 3×3 convolution) or
   * `"v1"` (the original paper, Caffe and Keras Applications' `ResNet50`: on the first 1×1
   * convolution). Basic blocks are the same in both. Default `"v1.5"`.
   */
  readonly variant?: "v1.5" | "v1";
  /**
   * Start from pretrained weights: `"imagenet"` (torchvision's published weights for this depth,
   * downloaded once into a cache) or the path of a `.safetensors` (torchvision or timm names),
   * `.h5` (Keras) or Graft checkpoint. Stored in the spec; `buildWithWeights(spec)` loads them.
   */
  readonly weights?: "imagenet" | (string & Record<never, never>);
}

/**
 * Options of {@linkcode resnet}: a ResNet of any block type, depth and width.
 *
 * @example A narrow ResNet-10 for quick experiments
 * ```ts
 * import { resnet } from "@graft/graft/dsl";
 * const spec = resnet({ block: "basic", blocks: [1, 1, 1, 1], width: 16, classes: 10, inputShape: [32, 32, 3], cifarStem: true });
 * ```
 */
export interface ResnetArchitecture extends ResnetOptions {
  /** torchvision's `BasicBlock` or `Bottleneck`. */
  readonly block: ResnetBlock;
  /** Blocks in `layer1` … `layer4`. */
  readonly blocks: readonly [number, number, number, number];
  /** Channels of `conv1` and `layer1` (torchvision: 64); each stage doubles it. Default 64. */
  readonly width?: number;
  /** The spec's name. Default `resnet`. */
  readonly name?: string;
}
