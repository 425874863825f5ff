// Said once when a run, its config and flags checked, chooses its backend and the native kernels
// will not run although the config lets Graft choose: how much faster they would be here and the
// one line that installs them.
import { registerNativeSync } from "../backends/native/mod.ts";
import type { Registration } from "../backends/mod.ts";

/** Training speed of the native backend over TensorFlow.js's reference CPU kernels. */
export const NATIVE_SPEEDUP = {
  /** How many times faster (the lower of the two figures measured). */
  times: 60,
  /** Where the figures come from. */
  source: "63× for an epoch of cifar10_small.yaml, 107× for a small CNN's training step: " +
    'bench/RESULTS.md, "Native against the reference cpu backend"',
} as const;

/** How to install the libraries, on each system. */
export const NATIVE_INSTALL =
  "sudo apt-get install libdnnl2 libopenblas0-pthread (Debian/Ubuntu); brew install openblas " +
  "(macOS); or set GRAFT_DNNL / GRAFT_BLAS to libdnnl.so.2 / libopenblas.so.0";

/**
 * The advice for a run on `backend`, or undefined when native kernels will run (or the user
 * chose another backend on purpose). `register` opens the native libraries (tests pass their own).
 */
export function nativeAdvice(
  backend: string,
  register: () => Registration = registerNativeSync,
): string | undefined {
  if (backend !== "auto") return undefined;
  const slower = `about ${NATIVE_SPEEDUP.times}× slower than the native kernels unless a GPU ` +
    `is found (${NATIVE_SPEEDUP.source})`;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return `Without --allow-ffi training runs on TensorFlow.js's reference CPU kernels, ${slower}: ` +
      "run deno task cifar10, which grants it\n";
  }
  const native = register();
  if (native.ok) return undefined;
  return `The native libraries were not found, so training runs on TensorFlow.js's reference ` +
    `CPU kernels, ${slower}: install them with ${NATIVE_INSTALL}\n`;
}
