/**
 * The op table: one definition per op (config schema, shape inference, parameter counts,
 * summary text, weight names and layouts) and the layer functions that make each op's layers.
 * Compilers (`compile/`) key their own tables by the same {@linkcode Op}.
 *
 * @example
 * ```ts
 * import { conv2d, OPS } from "@graft/graft/dsl";
 * const conv = conv2d(64, 3, { padding: 1 });
 * console.log(OPS[conv.op].describe(conv.config)); // "conv2d 3×3/1 → 64"
 * ```
 *
 * @module
 */
export {
  type Counts,
  defineOp,
  type Inferred,
  type Inputs,
  type OpDef,
  type OpLayer,
  type WeightDef,
  type WeightLayout,
} from "./_def.ts";
export type { ConfigIssue, Options, Padding, PaddingSchema, PairSchema } from "./_schema.ts";
export * from "./table.ts";
export * from "./conv2d.ts";
export * from "./dense.ts";
export * from "./relu.ts";
export * from "./dropout.ts";
export * from "./pool2d.ts";
export * from "./adaptive_avg_pool2d.ts";
export * from "./global_avg_pool2d.ts";
export * from "./flatten.ts";
export * from "./batch_norm.ts";
export * from "./add.ts";
export * from "./concat.ts";
