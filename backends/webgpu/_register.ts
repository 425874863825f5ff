/**
 * Registers TensorFlow.js's WebGPU backend with a device Graft creates itself.
 *
 * The package's own start-up (`@tensorflow/tfjs-backend-webgpu`'s `registerBackend` factory)
 * reads `adapter.info` after `requestDevice`, which throws under some Deno versions
 * (denoland/deno#28135, tensorflow/tfjs#8518), passes a malformed `requiredFeatures` entry, and
 * reuses an adapter that may already be invalid (denoland/deno#25874). Graft replaces that
 * factory: it asks for a fresh adapter each time, copies the adapter's info before requesting
 * the device, and hands the device to the exported `WebGPUBackend`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Registration } from "../types.ts";
import { type AdapterSummary, describeAdapter, summarizeAdapter } from "./_adapter.ts";
import { useFastConvFilterGrad, useSmallConvIm2col } from "../../tfjs_kernels/mod.ts";

/** The TensorFlow.js backend name Graft registers. */
export const WEBGPU_TF_NAME = "webgpu";

const VENDOR_NAMES: Record<string, string> = {
  "4098": "amd",
  "4318": "nvidia",
  "32902": "intel",
  "4203": "apple",
};

type GpuNavigator = { gpu?: GPU };

function quietWsi(): void {
  // Mesa's Vulkan WSI prints "XDG_RUNTIME_DIR is invalid" twice on headless machines. Point it
  // at a harmless directory when unset and the environment may be written.
  try {
    const state = Deno.permissions.querySync({ name: "env", variable: "XDG_RUNTIME_DIR" }).state;
    if (state === "granted" && !Deno.env.get("XDG_RUNTIME_DIR")) {
      Deno.env.set("XDG_RUNTIME_DIR", "/tmp");
    }
  } catch {
    // Not Deno, or no permission API: leave the environment alone.
  }
}

async function requestAdapter(): Promise<GPUAdapter | null> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (!gpu) return null;
  return await gpu.requestAdapter({ powerPreference: "high-performance" });
}

async function createDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const l = adapter.limits;
  // The same limits tfjs asks for: the adapter's maxima, so large layers fit in one binding.
  // timestamp-query lets tf.profile() time kernels; it costs nothing when unused.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has("timestamp-query")
    ? ["timestamp-query"]
    : [];
  return await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
}

async function createBackend(): Promise<tf.KernelBackend> {
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  // A fresh adapter each time: an adapter that already gave a device is spent (deno#25874).
  const adapter = await requestAdapter();
  if (!adapter) throw new Error("Cannot start WebGPU: navigator.gpu gave no adapter");
  const summary = summarizeAdapter(adapter);
  const device = await createDevice(adapter);
  const info = {
    vendor: VENDOR_NAMES[summary.vendor] ?? summary.vendor,
    architecture: summary.architecture,
    device: summary.device,
    description: summary.description,
  };
  return new WebGPUBackend(
    device,
    info as unknown as GPUAdapterInfo,
  ) as unknown as tf.KernelBackend;
}

let registered: Promise<Registration> | undefined;

async function register(): Promise<Registration> {
  quietWsi();
  let adapter: GPUAdapter | null;
  try {
    adapter = await requestAdapter();
  } catch (e) {
    return { ok: false, reason: `WebGPU adapter request failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    const has = (globalThis.navigator as GpuNavigator | undefined)?.gpu !== undefined;
    return {
      ok: false,
      reason: has
        ? "No WebGPU adapter found: install a Vulkan, Metal or D3D12 driver (Debian: " +
          "mesa-vulkan-drivers gives a software one)"
        : "This runtime has no navigator.gpu",
    };
  }
  const summary: AdapterSummary = summarizeAdapter(adapter);
  // Importing the package registers its own "webgpu" factory at priority 3 and its kernels.
  await import("@tensorflow/tfjs-backend-webgpu");
  tf.env().set("WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE", false);
  if (tf.findBackendFactory(WEBGPU_TF_NAME) !== null) tf.removeBackend(WEBGPU_TF_NAME);
  tf.registerBackend(WEBGPU_TF_NAME, createBackend, 0);
  useFastConvFilterGrad(WEBGPU_TF_NAME);
  useSmallConvIm2col(WEBGPU_TF_NAME);
  return { ok: true, tfBackend: WEBGPU_TF_NAME, detail: describeAdapter(summary) };
}

/**
 * Registers the WebGPU backend when `navigator.gpu` gives an adapter. The detail names the
 * adapter and contains "fallback" when it is a software one, so `auto` skips it. Calling it
 * again returns the first outcome.
 *
 * @example
 * ```ts
 * import { registerWebGpu } from "@graft/graft/backends";
 * const r = await registerWebGpu();
 * console.log(r.ok ? r.detail : r.reason);
 * ```
 */
export function registerWebGpu(): Promise<Registration> {
  registered ??= register();
  return registered;
}
