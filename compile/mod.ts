/**
 * The compile step: turns a checked spec into a TensorFlow.js layer graph. The only part of
 * the DSL that imports TensorFlow.js.
 *
 * @example
 * ```ts
 * import { build } from "@graft/graft/compile";
 * import { dense, flatten, sequential } from "@graft/graft/dsl";
 * const model = build(sequential("tiny", [4, 4, 1], { head: [flatten(), dense(2)] }), {
 *   seed: 0,
 * });
 * ```
 *
 * @module
 */
export { build, type BuildOptions } from "./build.ts";
export { TFJS_OPS, type TfjsContext, type TfjsOp, type TfjsTable } from "./_tfjs_ops.ts";
