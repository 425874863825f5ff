import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { BackendInfo, BackendName, Registration } from "./types.ts";
import { registerNative } from "./native/mod.ts";
import { noGpuDevice, registerWebGpu } from "./webgpu/mod.ts";
import { registerTensorflow } from "./tensorflow/mod.ts";
import { GraftError } from "../errors/graft_error.ts";
import { problemOf } from "../errors/problem.ts";
import { useFastConvFilterGrad } from "../tfjs_kernels/mod.ts";
import { backendChoice } from "./_choice.ts";

/** Options for {@linkcode useBackend}. */
export interface UseBackendOptions {
  /** Print nothing (the choice is still returned). Default: false. */
  readonly quiet?: boolean;
}

/**
 * Silences TensorFlow.js's "install the node backend" banner, which tfjs-backend-cpu prints on
 * its first write under Node-like runtimes: wrong advice under Deno, where Graft has its own
 * native kernels. Every CPU backend made after this (TensorFlow.js makes one whenever a tensor
 * is created before a backend was set) starts with its `firstUse` flag already spent.
 */
export function quietCpuBanner(): void {
  const proto = MathBackendCPU.prototype as unknown as { firstUse?: boolean };
  if (!Object.getOwnPropertyDescriptor(proto, "firstUse")) {
    Object.defineProperty(proto, "firstUse", { get: () => false, set: () => {} });
  }
  // One made before Graft was imported keeps its own flag.
  const made = (tf.engine() as unknown as { registry: Record<string, object> }).registry;
  for (const backend of Object.values(made)) {
    if (backend instanceof MathBackendCPU) Object.assign(backend, { firstUse: false });
  }
}

// Before any user code computes: the cpu backend made now is the one TensorFlow.js would start.
quietCpuBanner();

/** The finishing steps shared by both activations. */
function finish(
  requested: BackendName,
  chosen: Exclude<BackendName, "auto">,
  reg: Registration & { ok: true },
): BackendInfo {
  quietCpuBanner();
  // The reference CPU kernels get the matrix-product weight gradient (WebGPU installs its own).
  if (reg.tfBackend === "cpu") useFastConvFilterGrad("cpu");
  return { requested, chosen, tfBackend: tf.getBackend(), detail: reg.detail };
}

/**
 * Switches to a backend that starts synchronously (`native`, `cpu`): TensorFlow.js's
 * `setBackend` finishes its work before its promise settles for those.
 */
export function activateSync(
  requested: BackendName,
  chosen: "native" | "cpu",
  reg: Registration & { ok: true },
): BackendInfo {
  tf.setBackend(reg.tfBackend).catch(() => {});
  if (tf.getBackend() !== reg.tfBackend) {
    throw new Error(`Backend ${chosen} failed to start: tf.setBackend("${reg.tfBackend}")`);
  }
  return finish(requested, chosen, reg);
}

async function activate(
  requested: BackendName,
  chosen: Exclude<BackendName, "auto">,
  reg: Registration & { ok: true },
): Promise<BackendInfo> {
  const ok = await tf.setBackend(reg.tfBackend);
  if (!ok) throw new Error(`Backend ${chosen} failed to start: tf.setBackend("${reg.tfBackend}")`);
  await tf.ready();
  return finish(requested, chosen, reg);
}

const REGISTRARS = {
  native: registerNative,
  webgpu: registerWebGpu,
  tensorflow: registerTensorflow,
} as const;

/**
 * Selects the TensorFlow.js backend Graft computes on. `auto` tries `webgpu` (a hardware
 * adapter only), then `native`, then `cpu`, and reports which one it took and why. Without a
 * call, Graft's first `build`, `evaluate` or `train` chooses as `auto` does (and says so).
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
      // The user asked for this backend and this machine lacks it: their input, so exit code 2.
      if (!reg.ok) {
        throw new GraftError(`Backend ${name} is not available: ${reg.reason}`, [
          problemOf("useBackend", name, reg.reason),
        ]);
      }
      info = await activate(name, name, reg);
      break;
    }
    case "auto": {
      const skipped: string[] = [];
      if (noGpuDevice()) {
        skipped.push("webgpu: no GPU device on this machine");
      } else {
        const gpu = await registerWebGpu();
        if (gpu.ok && !gpu.detail.includes("fallback")) {
          info = await activate(name, "webgpu", gpu);
          break;
        }
        skipped.push(`webgpu: ${gpu.ok ? "software adapter only" : gpu.reason}`);
      }
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
  backendChoice.by = "user";
  log(`Backend ${info.chosen} (${info.tfBackend}): ${info.detail}`);
  return info;
}
