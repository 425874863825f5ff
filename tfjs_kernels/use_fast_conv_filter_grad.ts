import * as tf from "@tensorflow/tfjs-core";
import { conv2dFilterGrad } from "./_conv2d_filter_grad.ts";

type FilterGradAttrs = {
  strides: [number, number] | number;
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
};

const originals = new Map<string, tf.KernelConfig>();

function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): [tf.Tensor, boolean] {
  if ((info as tf.Tensor).rank !== undefined) return [info as tf.Tensor, false];
  return [tf.engine().makeTensorFromTensorInfo(info, backend), true];
}

/**
 * Replaces TensorFlow.js's `Conv2DBackpropFilter` kernel on one backend with the matrix-product
 * form ({@linkcode conv2dFilterGrad}). Both training paths go through that kernel: the
 * registered `Conv2D` gradient and the fused convolution's own gradient, which tfjs-layers uses.
 * NCHW and explicit-padding calls keep the original kernel. Backends with a fast native kernel
 * (Graft's `graft-native`) should not call this. Returns false when the backend has no such
 * kernel; calling it twice is harmless.
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { useFastConvFilterGrad } from "@graft/graft/tfjs-kernels";
 * useFastConvFilterGrad("cpu");
 * ```
 */
export function useFastConvFilterGrad(backendName: string): boolean {
  if (originals.has(backendName)) return true;
  const original = tf.getKernel("Conv2DBackpropFilter", backendName);
  if (!original) return false;
  originals.set(backendName, original);
  tf.unregisterKernel("Conv2DBackpropFilter", backendName);
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as FilterGradAttrs;
      if (attrs.dataFormat === "NCHW" || Array.isArray(attrs.pad)) return original.kernelFunc(args);
      const [x, ownX] = asTensor(args.inputs["x"]!, args.backend as tf.KernelBackend);
      const [dy, ownDy] = asTensor(args.inputs["dy"]!, args.backend as tf.KernelBackend);
      try {
        return conv2dFilterGrad(
          x,
          dy,
          attrs.filterShape,
          attrs.strides,
          attrs.pad,
          attrs.dimRoundingMode,
        );
      } finally {
        if (ownX) x.dispose();
        if (ownDy) dy.dispose();
      }
    },
  });
  return true;
}

/**
 * Puts back TensorFlow.js's own `Conv2DBackpropFilter` kernel on a backend (for benchmarks and
 * tests that compare the two).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-cpu";
 * import { restoreConvFilterGrad, useFastConvFilterGrad } from "@graft/graft/tfjs-kernels";
 * useFastConvFilterGrad("cpu");
 * restoreConvFilterGrad("cpu");
 * ```
 */
export function restoreConvFilterGrad(backendName: string): void {
  const original = originals.get(backendName);
  if (!original) return;
  tf.unregisterKernel("Conv2DBackpropFilter", backendName);
  tf.registerKernel(original);
  originals.delete(backendName);
}
