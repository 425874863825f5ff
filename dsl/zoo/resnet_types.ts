import type { Upto } from "./vgg.ts";

/**
 * The ResNet depths torchvision ships.
 *
 * @example
 * ```ts
 * import type { ResnetDepth } from "@graft/graft/dsl";
 * const depth: ResnetDepth = 50;
 * ```
 */
export type ResnetDepth = 18 | 34 | 50 | 101 | 152;

/**
 * A residual block: torchvision's `BasicBlock` (two 3×3 convolutions) or `Bottleneck` (1×1,
 * 3×3, 1×1 with four times the channels out).
 *
 * @example
 * ```ts
 * import type { ResnetBlock } from "@graft/graft/dsl";
 * const block: ResnetBlock = "bottleneck";
 * ```
 */
export type ResnetBlock = "basic" | "bottleneck";

/**
 * The nodes of a basic block, by their name in the block: torchvision's `conv1`, `bn1`,
 * `conv2`, `bn2`, with the ReLU after `bn1` at `relu1`, the residual sum at `add` and the ReLU
 * after it at `relu`.
 *
 * @example
 * ```ts
 * import type { BasicBlockNode } from "@graft/graft/dsl";
 * const n: BasicBlockNode = "add";
 * ```
 */
export type BasicBlockNode = "conv1" | "bn1" | "relu1" | "conv2" | "bn2" | "add" | "relu";

/**
 * The nodes of a bottleneck block: a basic block's, plus `relu2`, `conv3` and `bn3`.
 *
 * @example
 * ```ts
 * import type { BottleneckBlockNode } from "@graft/graft/dsl";
 * const n: BottleneckBlockNode = "conv3";
 * ```
 */
export type BottleneckBlockNode = BasicBlockNode | "relu2" | "conv3" | "bn3";

/**
 * The paths of a torchvision ResNet: `Last` holds the last block index of `layer1` … `layer4`,
 * `Node` the nodes of one block, `Shortcut` the stages whose block 0 has a downsample shortcut
 * (`downsample.0` convolution, `downsample.1` BatchNorm).
 *
 * @example resnet18's paths
 * ```ts
 * import type { BasicBlockNode, ResnetPaths } from "@graft/graft/dsl";
 * type P = ResnetPaths<[1, 1, 1, 1], BasicBlockNode, "layer2" | "layer3" | "layer4">;
 * const p: P = "layer2.0.downsample.0";
 * ```
 */
export type ResnetPaths<
  Last extends readonly [number, number, number, number],
  Node extends string,
  Shortcut extends string,
> =
  | "conv1"
  | "bn1"
  | "relu"
  | "maxpool"
  | `layer1.${Upto<Last[0]>}.${Node}`
  | `layer2.${Upto<Last[1]>}.${Node}`
  | `layer3.${Upto<Last[2]>}.${Node}`
  | `layer4.${Upto<Last[3]>}.${Node}`
  | `${Shortcut}.0.downsample.${0 | 1}`
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

/**
 * The groups of a ResNet with the CIFAR stem: no `maxpool`.
 *
 * @example
 * ```ts
 * import type { CifarResnetGroups } from "@graft/graft/dsl";
 * const g: CifarResnetGroups = "conv1";
 * ```
 */
export type CifarResnetGroups = Exclude<ResnetGroups, "maxpool">;

/**
 * The paths of `resnet18()`.
 *
 * @example
 * ```ts
 * import type { Resnet18Paths } from "@graft/graft/dsl";
 * const p: Resnet18Paths = "layer4.1.relu";
 * ```
 */
export type Resnet18Paths = ResnetPaths<
  [1, 1, 1, 1],
  BasicBlockNode,
  "layer2" | "layer3" | "layer4"
>;

/**
 * The paths of `resnet34()`.
 *
 * @example
 * ```ts
 * import type { Resnet34Paths } from "@graft/graft/dsl";
 * const p: Resnet34Paths = "layer3.5.conv2";
 * ```
 */
export type Resnet34Paths = ResnetPaths<
  [2, 3, 5, 2],
  BasicBlockNode,
  "layer2" | "layer3" | "layer4"
>;

/**
 * The paths of `resnet50()`.
 *
 * @example
 * ```ts
 * import type { Resnet50Paths } from "@graft/graft/dsl";
 * const p: Resnet50Paths = "layer1.0.downsample.0";
 * ```
 */
export type Resnet50Paths = ResnetPaths<
  [2, 3, 5, 2],
  BottleneckBlockNode,
  "layer1" | "layer2" | "layer3" | "layer4"
>;

/**
 * The paths of `resnet101()`.
 *
 * @example
 * ```ts
 * import type { Resnet101Paths } from "@graft/graft/dsl";
 * const p: Resnet101Paths = "layer3.22.bn3";
 * ```
 */
export type Resnet101Paths = ResnetPaths<
  [2, 3, 22, 2],
  BottleneckBlockNode,
  "layer1" | "layer2" | "layer3" | "layer4"
>;

/**
 * The paths of `resnet152()`.
 *
 * @example
 * ```ts
 * import type { Resnet152Paths } from "@graft/graft/dsl";
 * const p: Resnet152Paths = "layer2.7.conv3";
 * ```
 */
export type Resnet152Paths = ResnetPaths<
  [2, 7, 35, 2],
  BottleneckBlockNode,
  "layer1" | "layer2" | "layer3" | "layer4"
>;

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
 * const spec = resnet({
 *   block: "basic",
 *   blocks: [1, 1, 1, 1],
 *   width: 16,
 *   classes: 10,
 *   inputShape: [32, 32, 3],
 *   cifarStem: true,
 * });
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
