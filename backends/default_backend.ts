/**
 * The backend Graft computes on when the user chose none: the first `build`, `evaluate` or
 * `train` selects the fastest available one, as `useBackend("auto")` would, and says once which.
 * A choice made with `useBackend` or `tf.setBackend` (before or after) is always respected.
 *
 * @module
 */
import type { BackendInfo } from "./types.ts";
import { registerNativeSync } from "./native/mod.ts";
import { noGpuDevice, registerWebGpu } from "./webgpu/mod.ts";
import { activateSync, quietCpuBanner, useBackend } from "./use_backend.ts";
import { backendChoice } from "./_choice.ts";

const HOW_TO_CHOOSE = 'useBackend("native" | "webgpu" | "cpu") or tf.setBackend() chooses another';

let told = false;

function tell(info: BackendInfo): void {
  if (told) return;
  told = true;
  console.error(
    `Backend ${info.chosen} (${info.tfBackend}): ${info.detail} ` +
      `(chosen by Graft as none was; ${HOW_TO_CHOOSE})`,
  );
}

/**
 * Makes sure a backend was chosen before Graft computes, synchronously (for `build` and
 * `evaluate`): when none was, selects `native` if its libraries load, else `cpu`, and says so
 * once. A hardware GPU can only be found asynchronously: {@linkcode ensureBackend} (run by
 * `train`) looks for one. Also keeps TensorFlow.js's "install the node backend" banner quiet.
 *
 * @example
 * ```ts
 * import { ensureBackendSync } from "@graft/graft/backends";
 * ensureBackendSync(); // what build() does first
 * ```
 */
export function ensureBackendSync(): void {
  if (backendChoice.by !== "nobody") {
    quietCpuBanner();
    return;
  }
  const native = registerNativeSync();
  const info = native.ok ? activateSync("auto", "native", native) : activateSync("auto", "cpu", {
    ok: true,
    tfBackend: "cpu",
    detail: `TensorFlow.js reference CPU kernels (native: ${native.reason})`,
  });
  backendChoice.by = "graft-sync";
  tell(info);
}

/**
 * Makes sure a backend was chosen before Graft computes: when none was, selects the fastest
 * available one as `useBackend("auto")` would (a hardware WebGPU adapter, else `native`, else
 * `cpu`) and says once which. Does nothing after `useBackend` or `tf.setBackend`.
 *
 * @example
 * ```ts
 * import { ensureBackend } from "@graft/graft/backends";
 * await ensureBackend(); // what train() does first
 * ```
 */
export async function ensureBackend(): Promise<void> {
  if (backendChoice.by === "user" || backendChoice.by === "graft") {
    quietCpuBanner();
    return;
  }
  if (backendChoice.by === "graft-sync") {
    // build() already chose among native and cpu; only a hardware GPU would change that.
    backendChoice.by = "graft";
    if (noGpuDevice()) return;
    const gpu = await registerWebGpu();
    if (!gpu.ok || gpu.detail.includes("fallback")) return;
  }
  const info = await useBackend("auto", { quiet: true });
  backendChoice.by = "graft";
  told = false;
  tell(info);
}
