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
