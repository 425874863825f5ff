/**
 * The model-editing DSL: specs as frozen, serialisable graphs with stable dotted paths, a layer
 * catalogue with shape inference, the VGG zoo, edits that return new specs, build-time checks
 * and summaries. Imports no TensorFlow.js.
 *
 * @example The seed recipe, checked at build time
 * ```ts
 * import { block, conv2d, relu, vgg16 } from "@graft/graft/dsl";
 * const spec = vgg16({ inputShape: [32, 32, 3] })
 *   .replaceHead(10)
 *   .insert(block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]), {
 *     after: "features.29",
 *   })
 *   .drop(2)
 *   .freeze("features");
 * console.log(spec.check().summary().toString());
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./ops/mod.ts";
export * from "./block.ts";
export * from "./pattern.ts";
export * from "./spec.ts";
export * from "./summary.ts";
export * from "./sequential.ts";
export * from "./serialize.ts";
export * from "./zoo/mod.ts";
export * from "./graph.ts";
