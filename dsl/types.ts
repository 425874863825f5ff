/** A JSON value, as stored in a node's config. */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json };

/**
 * A tensor shape without the batch axis, channels last: `[height, width, channels]` for images,
 * `[features]` once flat.
 */
export type Shape = readonly number[];

/** The operations a node can hold; each has shape inference in the layer catalogue. */
export type Op =
  | "conv2d"
  | "dense"
  | "relu"
  | "dropout"
  | "maxPool2d"
  | "avgPool2d"
  | "adaptiveAvgPool2d"
  | "globalAvgPool2d"
  | "flatten"
  | "batchNorm";

/** The path that names the model's input in a node's `inputs`. */
export const INPUT = "input";

/**
 * One node of a spec: a layer at a stable dotted path, fed by the nodes named in `inputs`.
 *
 * @example
 * ```ts
 * import type { SpecNode } from "@graft/graft/dsl";
 * const node: SpecNode = {
 *   path: "classifier.6",
 *   op: "dense",
 *   config: { units: 10, useBias: true },
 *   inputs: ["classifier.5"],
 *   trainable: true,
 *   step: 2,
 *   origin: 2,
 * };
 * ```
 */
export interface SpecNode {
  /** Stable dotted path, such as `features.0`; its first segment is the group. */
  readonly path: string;
  /** The layer type. */
  readonly op: Op;
  /** The layer's settings, plain JSON. */
  readonly config: { readonly [key: string]: Json };
  /** Paths of the nodes feeding this one; `"input"` is the model input. */
  readonly inputs: readonly string[];
  /** Whether the node's parameters are updated in training. */
  readonly trainable: boolean;
  /** The 1-based edit step that last created or rewired this node. */
  readonly step: number;
  /**
   * The 1-based edit step that put this layer at this path: 1 for the loaded architecture, or
   * the `insert()`, `replace()` or `replaceHead()` that made it. Rewiring keeps it.
   */
  readonly origin: number;
}

/**
 * One edit in a spec's history, used to name the step that caused a problem.
 *
 * @example
 * ```ts
 * import type { SpecStep } from "@graft/graft/dsl";
 * const step: SpecStep = { index: 2, call: "replaceHead(10)" };
 * ```
 */
export interface SpecStep {
  /** 1-based position in the history. */
  readonly index: number;
  /** The call as a user wrote it, such as `drop(classifier.2)`. */
  readonly call: string;
}

/**
 * A spec as plain data: what `toJSON()` returns and `fromJSON()` accepts.
 *
 * @example
 * ```ts
 * import { vgg11 } from "@graft/graft/dsl";
 * const data = vgg11().toJSON();
 * console.log(data.format, data.nodes.length); // "graft.spec/v1" 30
 * ```
 */
export interface SpecData {
  /** Format tag, for readers of saved specs. */
  readonly format: "graft.spec/v1";
  /** Model name, such as `vgg16`. */
  readonly name: string;
  /** The input's shape without the batch axis. */
  readonly input: { readonly shape: Shape };
  /** The group that `replaceHead()` and numeric `drop()` address, such as `classifier`. */
  readonly head: string;
  /** Nodes in topological order. */
  readonly nodes: readonly SpecNode[];
  /** Path of the node whose output is the model's output. */
  readonly output: string;
  /** Paths removed by `drop()`, never given out again. */
  readonly retired: readonly string[];
  /** The edit history. */
  readonly steps: readonly SpecStep[];
  /**
   * Pretrained weights the spec starts from: `"imagenet"` (the published weights of `name`) or
   * a file path. Loaded by `buildWithWeights()`; absent for fresh initialisation.
   */
  readonly weights?: string;
}
