/**
 * Reads a WebGPU adapter's identity once, as plain data, before any device is requested from it:
 * under Deno, `adapter.info` can throw once `requestDevice` has consumed the adapter
 * (denoland/deno#28135, tensorflow/tfjs#8518).
 */

/** What Graft reports about a WebGPU adapter. */
export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for a software (CPU) adapter such as Mesa's llvmpipe, SwiftShader or WARP. */
  readonly fallback: boolean;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|\bwarp\b|softpipe/i;

/** Copies the adapter's info into plain data; never throws. */
export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  let info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } = {};
  try {
    info = adapter.info ?? {};
  } catch {
    info = {};
  }
  const vendor = String(info.vendor ?? "");
  const architecture = String(info.architecture ?? "");
  const device = String(info.device ?? "");
  const description = String(info.description ?? "");
  // `isFallbackAdapter` moved from the adapter to its info in the WebGPU spec; read both.
  const flagged = info.isFallbackAdapter === true ||
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const fallback = flagged || SOFTWARE.test(`${description} ${architecture}`);
  return { vendor, architecture, device, description, fallback };
}

const VENDOR_IDS: Record<string, string> = {
  "4098": "AMD",
  "4318": "NVIDIA",
  "32902": "Intel",
  "4203": "Apple",
  "65541": "Mesa",
};

/** One line for the user: vendor, architecture, description, and a warning for a software one. */
export function describeAdapter(s: AdapterSummary): string {
  const vendor = VENDOR_IDS[s.vendor] ?? (s.vendor || "unknown vendor");
  const parts = [
    `vendor ${vendor}`,
    `architecture ${s.architecture || "unknown"}`,
    s.description || "no description",
  ];
  const line = `WebGPU adapter: ${parts.join(", ")}`;
  return s.fallback ? `${line} (fallback software adapter: slow, for tests only)` : line;
}
