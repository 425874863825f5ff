/**
 * The model zoo: architectures with torchvision's module names.
 *
 * @example
 * ```ts
 * import { vgg16 } from "@graft/graft/dsl";
 * const spec = vgg16({ batchNorm: true });
 * ```
 *
 * @module
 */
export * from "./vgg.ts";
export * from "./small_vgg.ts";
export * from "./resnet.ts";
export * from "./resnet_types.ts";
