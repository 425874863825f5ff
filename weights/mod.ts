/**
 * Weight files: safetensors reading and writing, and the error family for weight loading.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@graft/graft/weights";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: [1, 2] } });
 * console.log(decodeSafetensors(bytes).tensors.w?.shape); // [2]
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./safetensors.ts";
export * from "./weight_map.ts";
export * from "./torch_state_dict.ts";
export * from "./keras_h5.ts";
export * from "./read_weights.ts";
export * from "./load_weights.ts";
export * from "./checkpoint.ts";
export * from "./tfjs_export.ts";
export * from "./pretrained.ts";
export * from "./build_with_weights.ts";
