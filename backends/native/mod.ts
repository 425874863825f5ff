/**
 * The native CPU backend: TensorFlow.js's `cpu` kernels with the heavy ones replaced by native
 * code called through Deno FFI (oneDNN's or OpenBLAS's GEMM; nothing of Graft's own to compile).
 *
 * @module
 */
import {
  cast,
  engine,
  getBackend,
  getKernelsForBackend,
  mul,
  registerBackend,
  registerGradient,
  registerKernel,
  step,
  type Tensor,
} from "@tensorflow/tfjs-core";
import type { KernelFunc } from "@tensorflow/tfjs-core";
import type { Registration } from "../types.ts";
import { libraryPathsFromEnv, type NativeLibrary, openNativeLibrary } from "./_library.ts";
import { nativeKernels, RELU_GRAD_KERNEL } from "./_ffi_kernels.ts";
import { tuneMalloc } from "./_malloc.ts";
import { nativePrimitives } from "./_primitives.ts";
import { useNativeAxpby } from "./_sgd.ts";
import { NativeCpuBackend } from "./_backend.ts";
import { type BufferStats, nativeBuffers } from "./_buffers.ts";
import { useFusedBatchNorm } from "../../tfjs_kernels/batch_norm_training.ts";

/** The TensorFlow.js backend name the native backend registers under. */
export const NATIVE_BACKEND_NAME = "graft-native";

/** The kernels the native backend computes itself; all others are the `cpu` ones. */
export const NATIVE_KERNEL_NAMES: readonly string[] = Object.freeze([
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "BatchMatMul",
  "_FusedMatMul",
  "MaxPool",
  "MaxPoolGrad",
  "Relu",
  "Step",
  "Add",
  "Sub",
  "Multiply",
  "Sum",
  "Transpose",
  "FusedBatchNorm",
]);

/**
 * The ReLU gradient: one native pass on this backend, TensorFlow.js's own `dy * step(x)`
 * (two passes, two full-size temporaries) everywhere else.
 */
function reluGradient(dy: Tensor, x: Tensor): Tensor {
  if (getBackend() === NATIVE_BACKEND_NAME && x.dtype === "float32" && dy.dtype === "float32") {
    return engine().runKernel(RELU_GRAD_KERNEL, { x, dy }) as Tensor;
  }
  return mul(dy, step(cast(x, "float32")));
}

function install(lib: NativeLibrary): void {
  const reference = new Map<string, KernelFunc>();
  for (const k of getKernelsForBackend("cpu")) reference.set(k.kernelName, k.kernelFunc);
  const primitives = lib.dnnl ? nativePrimitives(lib.dnnl) : undefined;
  const overrides = nativeKernels(NATIVE_BACKEND_NAME, lib.gemm, primitives, (name) => {
    const f = reference.get(name);
    if (!f) throw new Error(`Cannot build the native backend: no cpu kernel named ${name}`);
    return f as (args: Parameters<KernelFunc>[0]) => ReturnType<KernelFunc>;
  });
  const own = new Set(overrides.map((k) => k.kernelName));
  for (const k of getKernelsForBackend("cpu")) {
    if (!own.has(k.kernelName)) registerKernel({ ...k, backendName: NATIVE_BACKEND_NAME });
  }
  for (const k of overrides) registerKernel(k);
  // Replaces the ReLU gradient for every backend with one that is unchanged off this backend.
  registerGradient({
    kernelName: "Relu",
    inputsToSave: ["x"],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => reluGradient(dy as Tensor, x!) };
    },
  });
  tuneMalloc();
  registerBackend(NATIVE_BACKEND_NAME, () => new NativeCpuBackend(), 0);
  useFusedBatchNorm(NATIVE_BACKEND_NAME, primitives?.batchNorm);
  const axpby = primitives?.axpby;
  useNativeAxpby(axpby && ((alpha, x, beta, y) => axpby.run(alpha, x, beta, y)));
}

/**
 * Registers the native backend with TensorFlow.js when a native library is found (oneDNN
 * `libdnnl.so.2`, else OpenBLAS `libopenblas.so.0` or Accelerate; override with the
 * `GRAFT_DNNL` / `GRAFT_BLAS` paths, `GRAFT_GEMM=blas` to prefer BLAS). Safe to call many
 * times: the first outcome is kept.
 *
 * @example
 * ```ts
 * import { registerNative } from "@graft/graft/backends";
 * const r = await registerNative();
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export function registerNative(): Promise<Registration> {
  try {
    return Promise.resolve(registerNativeSync());
  } catch (e) {
    return Promise.reject(e);
  }
}

let registration: Registration | undefined;

/**
 * {@linkcode registerNative} without the promise: opening the libraries is a blocking `dlopen`,
 * so Graft's synchronous entry points (`build`, `evaluate`) can choose this backend themselves.
 *
 * @example
 * ```ts
 * import { registerNativeSync } from "./mod.ts";
 * const r = registerNativeSync();
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export function registerNativeSync(): Registration {
  if (registration) return registration;
  const opened = openNativeLibrary(libraryPathsFromEnv());
  if (!opened.ok) return registration = { ok: false, reason: opened.reason };
  install(opened.lib);
  return registration = {
    ok: true,
    tfBackend: NATIVE_BACKEND_NAME,
    detail: `native kernels via ${opened.lib.detail}`,
  };
}

/**
 * How many large (32 MiB and up) kernel outputs the native backend reused from its pool and how
 * many it allocated fresh, or undefined before the backend is registered.
 *
 * @example
 * ```ts
 * import { nativeBufferStats } from "./mod.ts";
 * console.log(nativeBufferStats());
 * ```
 */
export function nativeBufferStats(): BufferStats | undefined {
  return registration === undefined ? undefined : nativeBuffers.stats;
}

export type { BufferStats } from "./_buffers.ts";
export { INSTALL_HINT, openNativeLibrary } from "./_library.ts";
export type { Gemm, LibraryPaths, NativeLibrary, OpenResult } from "./_library.ts";
export { type Axpby, type SgdSettings, sgdStep, useNativeAxpby } from "./_sgd.ts";
