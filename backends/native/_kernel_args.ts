/**
 * Helpers of the native kernels: typed arrays of tensors, the geometry of TensorFlow.js's conv
 * and pool infos, fused-activation and bias arguments.
 *
 * @module
 */
import {
  type backend_util,
  getKernel,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { PoolGeometry } from "./_pool.ts";

/** Float32 values of a tensor on this backend, or undefined when it holds anything else. */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | undefined {
  if (!t || t.dtype !== "float32") return undefined;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : undefined;
}

/**
 * The pooling geometry of TensorFlow.js's pool info.
 *
 * @example
 * ```ts ignore
 * const g = poolGeometry(backend_util.computePool2DInfo([1, 8, 8, 3], 2, 2, 1, "valid"));
 * ```
 */
export function poolGeometry(info: backend_util.Conv2DInfo): PoolGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

export function isNhwc(attrs: NamedAttrMap): boolean {
  const f = attrs["dataFormat"];
  return f === undefined || f === "NHWC" || f === "channelsLast";
}

/** Applies a fused activation other than linear/relu through this backend's own kernels. */
export function applyOtherActivation(
  backend: MathBackendCPU,
  backendName: string,
  x: TensorInfo,
  activation: string,
  alpha: TensorInfo | undefined,
  leakyreluAlpha: unknown,
): TensorInfo {
  const names: Record<string, string> = {
    relu6: "Relu6",
    elu: "Elu",
    sigmoid: "Sigmoid",
    leakyrelu: "LeakyRelu",
    prelu: "Prelu",
  };
  const name = names[activation];
  const kernel = name === undefined ? undefined : getKernel(name, backendName);
  if (!kernel) throw new Error(`Unknown fused activation: ${activation}`);
  const inputs = activation === "prelu" ? { x, alpha: alpha! } : { x };
  const attrs = activation === "leakyrelu" ? { alpha: leakyreluAlpha as number } : {};
  const out = kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
  backend.disposeIntermediateTensorInfo(x);
  return out;
}

/** Bias values broadcast over the last axis of size n, or undefined when the shape is other. */
export function channelBias(backend: MathBackendCPU, bias: TensorInfo | undefined, n: number) {
  if (!bias) return null;
  const v = f32(backend, bias);
  if (!v) return undefined;
  if (v.length === n) return v;
  if (v.length === 1) return new Float32Array(n).fill(v[0]!);
  return undefined;
}
