/**
 * Backend selection: one option (`auto | native | cpu | webgpu | tensorflow`) used by the
 * library, the pipeline runner and the CLI.
 *
 * @example
 * ```ts
 * import { useBackend } from "@graft/graft/backends";
 * const info = await useBackend("auto");
 * console.log(info.chosen);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { useBackend, type UseBackendOptions } from "./use_backend.ts";
export { ensureBackend, ensureBackendSync } from "./default_backend.ts";
export { registerNative } from "./native/mod.ts";
export { prefetchToDevice, registerWebGpu, type TensorTree, uploadNow } from "./webgpu/mod.ts";
export {
  registerTensorflow,
  type RegisterTensorflowOptions,
  TENSORFLOW_MODULES,
} from "./tensorflow/mod.ts";
