import * as tf from "@tensorflow/tfjs-core";
import { convByIm2col, convInputGradByIm2col, SMALL_SPATIAL } from "./_small_conv.ts";
import { convGeometry } from "./_im2col.ts";

type Pad = "same" | "valid" | number | number[][];
type ConvAttrs = {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string | null;
  inputShape?: [number, number, number, number];
};

const replaced = new Map<string, tf.KernelConfig[]>();

function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): [tf.Tensor, boolean] {
  if ((info as tf.Tensor).rank !== undefined) return [info as tf.Tensor, false];
  return [tf.engine().makeTensorFromTensorInfo(info, backend), true];
}

function plain(a: ConvAttrs): boolean {
  const d = a.dilations ?? 1;
  const one = Array.isArray(d) ? d[0] === 1 && d[1] === 1 : d === 1;
  return a.dataFormat !== "NCHW" && !Array.isArray(a.pad) && one;
}

function override(
  backendName: string,
  kernelName: string,
  fast: (
    args: Parameters<tf.KernelFunc>[0],
    tensors: Record<string, tf.Tensor>,
  ) => tf.Tensor | null,
): void {
  const original = tf.getKernel(kernelName, backendName);
  if (!original) return;
  replaced.get(backendName)!.push(original);
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const owned: tf.Tensor[] = [];
      const tensors: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(args.inputs)) {
        if (!v) continue;
        const [t, own] = asTensor(v, args.backend as tf.KernelBackend);
        tensors[k] = t;
        if (own) owned.push(t);
      }
      try {
        return fast(args, tensors) ?? original.kernelFunc(args);
      } finally {
        tf.dispose(owned);
      }
    },
  });
}

/**
 * On one backend, computes 2-D convolutions whose output has at most 16 positions per image
 * (the 4×4 and 2×2 blocks of a VGG at 32×32), and their stride-1 input gradients, as one
 * matrix product with the batch folded into its rows. TensorFlow.js's WebGPU programs tile the
 * positions of one image at a time and leave most of each tile idle there. Other convolutions
 * keep the backend's kernels. Returns false when the backend has no convolution kernels.
 *
 * @example
 * ```ts
 * import { useSmallConvIm2col } from "@graft/graft/tfjs-kernels";
 * useSmallConvIm2col("webgpu"); // false until the WebGPU backend is registered
 * ```
 */
export function useSmallConvIm2col(backendName: string): boolean {
  if (replaced.has(backendName)) return true;
  if (!tf.getKernel("FusedConv2D", backendName)) return false;
  replaced.set(backendName, []);
  const geometry = (x: tf.Tensor, filterShape: number[], a: ConvAttrs) =>
    tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape as [number, number, number, number],
      a.strides,
      1,
      a.pad as "same",
      a.dimRoundingMode,
    );
  const forward = (args: Parameters<tf.KernelFunc>[0], t: Record<string, tf.Tensor>) => {
    const a = args.attrs as unknown as ConvAttrs;
    const act = a.activation ?? "linear";
    if (!plain(a) || (act !== "linear" && act !== "relu") || t["preluActivationWeights"]) {
      return null;
    }
    const info = geometry(t["x"]!, t["filter"]!.shape, a);
    if (info.outHeight * info.outWidth > SMALL_SPATIAL) return null;
    return convByIm2col(
      t["x"]!,
      t["filter"]!,
      convGeometry(info),
      t["bias"],
      act,
    );
  };
  override(backendName, "FusedConv2D", forward);
  override(backendName, "Conv2D", forward);
  override(backendName, "Conv2DBackpropInput", (args, t) => {
    const a = args.attrs as unknown as ConvAttrs;
    if (!plain(a) || !a.inputShape) return null;
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      t["filter"]!.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad as "same",
      a.dimRoundingMode,
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return null;
    if (info.inHeight * info.inWidth > SMALL_SPATIAL) return null;
    return convInputGradByIm2col(
      t["dy"]!,
      t["filter"]!,
      a.inputShape,
      info.padInfo.top,
      info.padInfo.left,
    );
  });
  return true;
}

/**
 * Puts back the backend's own convolution kernels replaced by {@linkcode useSmallConvIm2col}.
 *
 * @example
 * ```ts
 * import { restoreSmallConv } from "@graft/graft/tfjs-kernels";
 * restoreSmallConv("webgpu");
 * ```
 */
export function restoreSmallConv(backendName: string): void {
  for (const k of replaced.get(backendName) ?? []) {
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel(k);
  }
  replaced.delete(backendName);
}
