/**
 * The WebGPU backend: Deno's built-in WebGPU with `@tensorflow/tfjs-backend-webgpu`.
 *
 * @module
 */
import type { Registration } from "../types.ts";

/**
 * Registers the WebGPU backend when `navigator.gpu` gives an adapter.
 *
 * @example
 * ```ts
 * import { registerWebGpu } from "@graft/graft/backends";
 * const r = await registerWebGpu();
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export function registerWebGpu(): Promise<Registration> {
  return Promise.resolve({ ok: false, reason: "The WebGPU backend is not built yet" });
}
