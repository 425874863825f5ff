import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { BackendInfo, BackendName, Registration } from "./types.ts";
import { registerNative } from "./native/mod.ts";
import { registerWebGpu } from "./webgpu/mod.ts";
import { registerTensorflow } from "./tensorflow/mod.ts";
import { useFastConvFilterGrad } from "../tfjs_kernels/mod.ts";

/** Options for {@linkcode useBackend}. */
export interface UseBackendOptions {
  /** Print nothing (the choice is still returned). Default: false. */
  readonly quiet?: boolean;
}

function quietCpuBanner(): void {
  // tfjs-backend-cpu prints a "use tfjs-node" banner on first write under Node-like runtimes.
  const backend = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (backend) backend.firstUse = false;
}

async function activate(
  requested: BackendName,
  chosen: Exclude<BackendName, "auto">,
  reg: Registration & { ok: true },
): Promise<BackendInfo> {
  const ok = await tf.setBackend(reg.tfBackend);
  if (!ok) throw new Error(`Backend ${chosen} failed to start: tf.setBackend("${reg.tfBackend}")`);
  await tf.ready();
  quietCpuBanner();
  // The reference CPU kernels get the matrix-product weight gradient (WebGPU installs its own).
  if (reg.tfBackend === "cpu") useFastConvFilterGrad("cpu");
  return { requested, chosen, tfBackend: tf.getBackend(), detail: reg.detail };
}

const REGISTRARS = {
  native: registerNative,
  webgpu: registerWebGpu,
  tensorflow: registerTensorflow,
} as const;

/**
 * Selects the TensorFlow.js backend Graft computes on. `auto` tries `webgpu` (a hardware
 * adapter only), then `native`, then `cpu`, and reports which one it took and why.
 *
 * @example Use the reference CPU kernels
 * ```ts
 * import { useBackend } from "@graft/graft/backends";
 * const info = await useBackend("cpu", { quiet: true });
 * console.log(info.tfBackend); // "cpu"
 * ```
 */
export async function useBackend(
  name: BackendName = "auto",
  options: UseBackendOptions = {},
): Promise<BackendInfo> {
  const log = options.quiet ? () => {} : (line: string) => console.error(line);
  const cpu: Registration & { ok: true } = {
    ok: true,
    tfBackend: "cpu",
    detail: "TensorFlow.js reference CPU kernels",
  };
  let info: BackendInfo;
  switch (name) {
    case "cpu":
      info = await activate(name, "cpu", cpu);
      break;
    case "native":
    case "webgpu":
    case "tensorflow": {
      const reg = await REGISTRARS[name]();
      if (!reg.ok) throw new Error(`Backend ${name} is not available: ${reg.reason}`);
      info = await activate(name, name, reg);
      break;
    }
    case "auto": {
      const skipped: string[] = [];
      const gpu = await registerWebGpu();
      if (gpu.ok && !gpu.detail.includes("fallback")) {
        info = await activate(name, "webgpu", gpu);
        break;
      }
      skipped.push(`webgpu: ${gpu.ok ? "software adapter only" : gpu.reason}`);
      const native = await registerNative();
      if (native.ok) {
        info = await activate(name, "native", native);
        break;
      }
      skipped.push(`native: ${native.reason}`);
      info = await activate(name, "cpu", {
        ...cpu,
        detail: `${cpu.detail} (${skipped.join("; ")})`,
      });
      break;
    }
  }
  log(`Backend ${info.chosen} (${info.tfBackend}): ${info.detail}`);
  return info;
}
