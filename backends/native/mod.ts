/**
 * The native CPU backend: TensorFlow.js's `cpu` kernels with the heavy ones replaced by native
 * code called through Deno FFI.
 *
 * @module
 */
import type { Registration } from "../types.ts";

/**
 * Registers the native backend with TensorFlow.js when a native library is found.
 *
 * @example
 * ```ts
 * import { registerNative } from "@graft/graft/backends";
 * const r = await registerNative();
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export function registerNative(): Promise<Registration> {
  return Promise.resolve({ ok: false, reason: "The native backend is not built yet" });
}
