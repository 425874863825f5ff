/**
 * Shared set-up of the WebGPU tests. They run on whatever adapter `navigator.gpu` gives (the
 * software llvmpipe one in CI, which installs mesa-vulkan-drivers). Without an adapter the tests
 * are skipped (`missing("webgpu")` in `_requires.ts`; GRAFT_SKIP_WEBGPU=1 skips them on purpose).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { registerWebGpu } from "../backends/webgpu/mod.ts";

/** Registers WebGPU once, or throws the reason with the way to skip. */
export async function requireWebGpu(): Promise<string> {
  const r = await registerWebGpu();
  if (!r.ok) {
    throw new Error(
      `WebGPU is not available: ${r.reason} (install mesa-vulkan-drivers, or set ` +
        `GRAFT_SKIP_WEBGPU=1 to skip the WebGPU tests)`,
    );
  }
  return r.detail;
}

/** Switches TensorFlow.js to a backend and waits for it. */
export async function on(backend: "cpu" | "webgpu"): Promise<void> {
  if (backend === "webgpu") await requireWebGpu();
  if (!(await tf.setBackend(backend))) throw new Error(`Cannot start backend ${backend}`);
  await tf.ready();
  // Small tensors would otherwise be computed by the CPU kernels inside the WebGPU backend,
  // which would make a parity test compare the CPU with itself.
  if (backend === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false; // tfjs-backend-cpu's "install tfjs-node" banner
}

/** Deterministic pseudo-random floats in [-1, 1) (no TensorFlow.js randomness involved). */
export function randoms(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Largest absolute difference relative to the largest reference magnitude. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}
