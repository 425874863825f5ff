/**
 * The optional `tensorflow` backend: TensorFlow's native library through
 * `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node` (CPU), used only where the user
 * has installed one of them. Graft never depends on them: their install script downloads
 * libtensorflow built for CUDA 11.2 and cuDNN 8.1 only. They are imported by their bare names,
 * so they load only where the project already resolves them (its import map or its
 * `node_modules`): choosing this backend never downloads a package or changes a lock file.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Registration } from "../types.ts";

/** Options for {@linkcode registerTensorflow}. */
export interface RegisterTensorflowOptions {
  /** Module specifiers tried in order. Default: tfjs-node-gpu, then tfjs-node (4.22.0). */
  readonly modules?: readonly string[];
}

/**
 * The packages tried by default, GPU build first, by their bare names: resolved by the running
 * project's import map or `node_modules`, never fetched.
 */
export const TENSORFLOW_MODULES: readonly string[] = Object.freeze([
  "@tensorflow/tfjs-node-gpu",
  "@tensorflow/tfjs-node",
]);

/**
 * Loads `@tensorflow/tfjs-node-gpu` (or `@tensorflow/tfjs-node`) when the user has installed it,
 * which registers TensorFlow.js's `tensorflow` backend. Where neither loads, the reason says
 * what the package is, why it is optional and how to install it.
 *
 * @example
 * ```ts
 * import { registerTensorflow } from "@graft/graft/backends";
 * const r = await registerTensorflow({ modules: ["file:///nowhere/tfjs-node.js"] });
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export async function registerTensorflow(
  options: RegisterTensorflowOptions = {},
): Promise<Registration> {
  const modules = options.modules ?? TENSORFLOW_MODULES;
  const failures: string[] = [];
  for (const specifier of modules) {
    try {
      // A computed bare specifier: resolved only through the project's import map or
      // node_modules; nothing is downloaded, type-checked or written to a lock file.
      await import(specifier);
    } catch (e) {
      const message = String((e as Error).message ?? e).split("\n")[0]!;
      failures.push(
        `${specifier}: ${
          /not a dependency|not in import map|Cannot find (module|package)/.test(message)
            ? "not in this project's import map or node_modules"
            : message
        }`,
      );
      // A package that failed half-way may have registered its kernels: drop them, so that the
      // next one registers its own without a warning per kernel ("already registered").
      for (const k of tf.getKernelsForBackend("tensorflow")) {
        tf.unregisterKernel(k.kernelName, "tensorflow");
      }
      continue;
    }
    if (tf.findBackendFactory("tensorflow") === null) {
      failures.push(`${specifier}: loaded but registered no "tensorflow" backend`);
      continue;
    }
    return {
      ok: true,
      tfBackend: "tensorflow",
      detail: `TensorFlow native library via ${specifier}`,
    };
  }
  return {
    ok: false,
    reason: "@tensorflow/tfjs-node-gpu (TensorFlow's native CUDA library for TensorFlow.js, " +
      "optional: it only installs where CUDA 11.2 and cuDNN 8.1 are present) is not installed " +
      "in this project, and Graft never downloads it; add it to your project " +
      "(`deno add npm:@tensorflow/tfjs-node-gpu@4.22.0`, then " +
      "`deno install --allow-scripts=npm:@tensorflow/tfjs-node-gpu@4.22.0`) " +
      "or use --backend webgpu, native or cpu: " + failures.join("; "),
  };
}
