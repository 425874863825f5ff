import type { Op, OpConfig } from "./ops/table.ts";

export type { Shape } from "./shape.ts";

/** The path that names the model's input in a node's `inputs`. */
export const INPUT = "input";

/**
 * One node of a spec: a layer at a stable dotted path, fed by the nodes named in `inputs`.
 * Narrowing on `op` narrows `config` to that op's config.
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
export type SpecNode<K extends Op = Op> = K extends Op ? OpNode<K> : never;

/**
 * A node of op `K`; see {@linkcode SpecNode}.
 *
 * @example
 * ```ts
 * import type { OpNode } from "@graft/graft/dsl";
 * const relu: OpNode<"relu"> = {
 *   path: "features.1",
 *   op: "relu",
 *   config: {},
 *   inputs: ["features.0"],
 *   trainable: true,
 *   step: 1,
 *   origin: 1,
 * };
 * ```
 */
export interface OpNode<K extends Op> {
  /** Stable dotted path, such as `features.0`; its first segment is the group. */
  readonly path: string;
  /** The layer type. */
  readonly op: K;
  /** The layer's settings, as the op's schema normalises them. */
  readonly config: OpConfig<K>;
  /** Paths of the nodes feeding this one, in order; `"input"` is the model input. */
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
  readonly input: { readonly shape: readonly number[] };
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
