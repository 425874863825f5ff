// What an op definition holds: everything Graft knows about one layer type, engines aside.
import type { z } from "zod";
import { formatShape, type Shape } from "../shape.ts";

/** Result of inferring one node's output shape. */
export type Inferred =
  | { readonly ok: true; readonly shape: Shape }
  | { readonly ok: false; readonly expected: string; readonly received: string };

/** Parameter counts of one node, given its input shapes. */
export interface Counts {
  /** Trained values (kernels, biases, BatchNorm scale and offset). */
  readonly params: number;
  /** Statistics kept apart from parameters (BatchNorm moving mean and variance). */
  readonly buffers: number;
}

/**
 * How a weight is laid out in Graft (TensorFlow.js, Keras) and in PyTorch:
 * - `conv2dKernel`: Graft HWIO `[kh, kw, in, out]`, PyTorch OIHW `[out, in, kh, kw]`;
 * - `denseKernel`: Graft `[in, out]`, PyTorch `[out, in]`;
 * - `vector`: `[n]` in both.
 */
export type WeightLayout = "conv2dKernel" | "denseKernel" | "vector";

/**
 * One weight tensor of an op, in the order TensorFlow.js and Keras hold them.
 *
 * @example BatchNorm's moving variance
 * ```ts
 * import type { WeightDef } from "@graft/graft/dsl";
 * const w: WeightDef = {
 *   name: "moving_variance",
 *   torch: "running_var",
 *   layout: "vector",
 *   buffer: true,
 * };
 * ```
 */
export interface WeightDef {
  /** Graft's (and Keras') name: `kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`. */
  readonly name: string;
  /** PyTorch's state-dict name: `weight`, `bias`, `running_mean`, `running_var`. */
  readonly torch: string;
  /** Layout in each framework. */
  readonly layout: WeightLayout;
  /** A statistic updated outside the optimizer (a buffer), not a trained parameter. */
  readonly buffer: boolean;
  /** Present only when the config asks for it (a bias with `useBias: false` is absent). */
  readonly optional?: boolean;
}

/** The input shapes of a node: at least one. */
export type Inputs = readonly [Shape, ...Shape[]];

/**
 * Everything Graft knows about one op, whatever engine runs it: its config schema (zod; the
 * config types are inferred from it, its input is what users write and its output what a spec
 * stores), how many inputs it takes, shape inference, parameter counts, summary text, and its
 * weights' names and layouts. Compilers (TensorFlow.js, PyTorch) are separate tables keyed by the
 * same op name.
 *
 * @example A definition as the table holds it
 * ```ts
 * import { OPS } from "@graft/graft/dsl";
 * const def = OPS.dense;
 * const config = def.config.parse({ units: 10 });
 * console.log(def.infer(config, [[512]])); // { ok: true, shape: [10] }
 * ```
 */
export interface OpDef<S extends z.ZodType = z.ZodType> {
  /** Validates and normalises a config: defaults filled in, `3` becomes `[3, 3]`. */
  readonly config: S;
  /** `"one"` input, or `"many"` (two or more, such as `add` and `concat`). */
  readonly inputs: "one" | "many";
  /** Output shape for these input shapes, or what was expected instead. */
  readonly infer: (config: z.output<S>, inputs: Inputs) => Inferred;
  /** Parameters and buffers, counted as torchvision counts them. */
  readonly count: (config: z.output<S>, inputs: Inputs) => Counts;
  /** A short description for summaries, such as `conv2d 3×3/1 → 64`. */
  readonly describe: (config: z.output<S>) => string;
  /** Its weights, in TensorFlow.js' order; empty for ops without weights. */
  readonly weights: readonly WeightDef[];
  /**
   * True when every output value sits where its input value sat (`relu`, `dropout`), so a
   * flatten before the op still decides the order in which a following dense layer sees values.
   */
  readonly pointwise: boolean;
}

/**
 * Checks a definition against {@linkcode OpDef} with its config type inferred from the schema.
 *
 * @example
 * ```ts
 * import { defineOp } from "@graft/graft/dsl";
 * import { z } from "zod";
 * const identity = defineOp({
 *   config: z.strictObject({}),
 *   inputs: "one",
 *   infer: (_, [x]) => ({ ok: true, shape: x }),
 *   count: () => ({ params: 0, buffers: 0 }),
 *   describe: () => "identity",
 *   weights: [],
 *   pointwise: true,
 * });
 * ```
 */
export function defineOp<S extends z.ZodType>(def: OpDef<S>): OpDef<S> {
  return Object.freeze({
    ...def,
    weights: Object.freeze(def.weights.map((w) => Object.freeze(w))),
  });
}

/**
 * A layer not yet placed in a spec: an op and its validated config. Made by the layer functions
 * (`conv2d`, `dense`, ...) and placed by `insert()`, `replace()`, `replaceHead()` or a graph.
 *
 * @example
 * ```ts
 * import { dense, type OpLayer } from "@graft/graft/dsl";
 * const head: OpLayer<"dense", { units: number; useBias: boolean }> = dense(10);
 * console.log(head.config.units); // 10
 * ```
 */
export interface OpLayer<K extends string, C> {
  /** Discriminant: a single layer. */
  readonly kind: "layer";
  /** The layer type. */
  readonly op: K;
  /** The layer's settings, validated by the op's schema. */
  readonly config: C;
}

/** A successful inference. */
export function ok(shape: Shape): Inferred {
  return { ok: true, shape };
}

/** A failed inference: what was expected, and the shape received. */
export function bad(expected: string, received: Shape): Inferred {
  return { ok: false, expected, received: formatShape(received) };
}

/** The description of an image input. */
export const IMAGE = "an image input [height, width, channels]";

/** No parameters, no buffers. */
export const NONE: Counts = Object.freeze({ params: 0, buffers: 0 });
