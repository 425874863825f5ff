/**
 * The TensorFlow.js kernels the native backend overrides. Each reads its inputs' typed arrays
 * from the CPU backend's data store, computes natively (GEMM) or in tight loops, and falls back
 * to the reference `cpu` kernel for any case it does not cover (other dtypes, NCHW, dilation).
 *
 * @module
 */
import {
  backend_util,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { convGeometry } from "../../tfjs_kernels/conv_geometry.ts";
import type { NativePrimitives } from "./_primitives.ts";
import type { FusedActivation, Gemm } from "./_types.ts";
import { nativeBuffers } from "./_buffers.ts";
import { transpose, TRANSPOSE_MAX_RANK } from "./_transpose.ts";
import { applyOtherActivation, channelBias, f32, isNhwc, poolGeometry } from "./_kernel_args.ts";
import { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward } from "./_conv.ts";
import { maxPoolBackward, maxPoolForward, type PoolGeometry } from "./_pool.ts";
import { GEMM_SUM_MIN_ELEMENTS, sumInner, sumOuter, sumOuterGemm } from "./_reduce.ts";
import {
  type BinaryOp,
  binaryRepeat,
  channelAffine,
  floor,
  relu,
  reluGrad,
  repeatsOver,
  step,
} from "./_elementwise.ts";

export { poolGeometry } from "./_kernel_args.ts";

/** The native backend's own kernel for the ReLU gradient (inputs `x` and `dy`). */
export const RELU_GRAD_KERNEL = "GraftReluGrad";

type Args = Parameters<KernelFunc>[0];
type Fallback = (args: Args) => TensorInfo | TensorInfo[];

/**
 * Builds the overriding kernel configs for `backendName`, each falling back to `reference`
 * (the `cpu` kernel of the same name).
 *
 * @example
 * ```ts ignore
 * const configs = nativeKernels("graft-native", lib, (name) => cpuKernel(name));
 * ```
 */
export function nativeKernels(
  backendName: string,
  gemm: Gemm,
  primitives: NativePrimitives | undefined,
  reference: (kernelName: string) => Fallback,
): KernelConfig[] {
  const { convolutions, maxPool, reluGrad: dnnlReluGrad } = primitives ?? {};
  const def = (
    kernelName: string,
    f: (args: Args, fallback: Fallback) => TensorInfo | TensorInfo[] | undefined,
  ): KernelConfig => {
    const fallback = reference(kernelName);
    return {
      kernelName,
      backendName,
      kernelFunc: ((args: Args) => f(args, fallback) ?? fallback(args)) as KernelFunc,
    };
  };
  const be = (args: Args) => args.backend as MathBackendCPU;

  const conv = (args: Args, fused: boolean): TensorInfo | undefined => {
    const { inputs } = args;
    const attrs: NamedAttrMap = args.attrs ?? {};
    const backend = be(args);
    const x = f32(backend, inputs["x"]), w = f32(backend, inputs["filter"]);
    if (!x || !w || !isNhwc(attrs)) return undefined;
    const xi = inputs["x"]!, wi = inputs["filter"]!;
    if (xi.shape.length !== 4) return undefined;
    const info = backend_util.computeConv2DInfo(
      xi.shape as [number, number, number, number],
      wi.shape as [number, number, number, number],
      attrs["strides"] as [number, number],
      attrs["dilations"] as [number, number],
      attrs["pad"] as "same",
      attrs["dimRoundingMode"] as "round" | undefined,
    );
    const activation = fused ? String(attrs["activation"] ?? "linear") : "linear";
    const bias = fused ? channelBias(backend, inputs["bias"], info.outChannels) : null;
    if (bias === undefined) return undefined;
    const simple: FusedActivation = activation === "relu" ? "relu" : "linear";
    const g = convGeometry(info);
    const y = convolutions?.forward(g, x, w, bias, simple) ??
      conv2dForward(gemm, g, x, w, bias, simple);
    const out = backend.makeTensorInfo(info.outShape, "float32", y);
    if (activation === "linear" || activation === "relu") return out;
    return applyOtherActivation(
      backend,
      backendName,
      out,
      activation,
      inputs["preluActivationWeights"],
      attrs["leakyreluAlpha"],
    );
  };

  const matmul = (args: Args, fused: boolean): TensorInfo | undefined => {
    const { inputs } = args;
    const attrs: NamedAttrMap = args.attrs ?? {};
    const backend = be(args);
    const ai = inputs["a"]!, bi = inputs["b"]!;
    const a = f32(backend, ai), b = f32(backend, bi);
    if (!a || !b) return undefined;
    const ta = Boolean(attrs["transposeA"]), tb = Boolean(attrs["transposeB"]);
    const ar = ai.shape.length, br = bi.shape.length;
    const m = ta ? ai.shape[ar - 1]! : ai.shape[ar - 2]!;
    const k = ta ? ai.shape[ar - 2]! : ai.shape[ar - 1]!;
    const kb = tb ? bi.shape[br - 1]! : bi.shape[br - 2]!;
    const n = tb ? bi.shape[br - 2]! : bi.shape[br - 1]!;
    if (k !== kb) return undefined;
    const batchA = util.sizeFromShape(ai.shape.slice(0, -2));
    const batchB = util.sizeFromShape(bi.shape.slice(0, -2));
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
    const outer = broadcast_util.assertAndGetBroadcastShape(
      ai.shape.slice(0, -2),
      bi.shape.slice(0, -2),
    );
    const batch = Math.max(batchA, batchB);
    const activation = fused ? String(attrs["activation"] ?? "linear") : "linear";
    const bias = fused ? channelBias(backend, inputs["bias"], n) : null;
    if (bias === undefined) return undefined;
    // Every element is written by the GEMM (beta 0), so a reused buffer needs no zeroing.
    const out = nativeBuffers.take(batch * m * n);
    for (let i = 0; i < batch; i++) {
      gemm(
        ta,
        tb,
        m,
        n,
        k,
        1,
        a.subarray((batchA === 1 ? 0 : i) * m * k),
        ta ? m : k,
        b.subarray((batchB === 1 ? 0 : i) * k * n),
        tb ? k : n,
        0,
        out.subarray(i * m * n),
        n,
      );
    }
    const relu = activation === "relu";
    if (bias) {
      for (let i = 0; i < out.length; i += n) {
        for (let j = 0; j < n; j++) {
          const v = out[i + j]! + bias[j]!;
          out[i + j] = relu && v < 0 ? 0 : v;
        }
      }
    } else if (relu) {
      for (let i = 0; i < out.length; i++) if (out[i]! < 0) out[i] = 0;
    }
    const result = backend.makeTensorInfo([...outer, m, n], "float32", out);
    if (activation === "linear" || activation === "relu") return result;
    return applyOtherActivation(
      backend,
      backendName,
      result,
      activation,
      inputs["preluActivationWeights"],
      attrs["leakyreluAlpha"],
    );
  };

  const poolGeometryOf = (args: Args): PoolGeometry | undefined => {
    const { inputs } = args;
    const attrs: NamedAttrMap = args.attrs ?? {};
    const xi = inputs["x"] ?? inputs["input"];
    if (!xi || xi.shape.length !== 4) return undefined;
    const info = backend_util.computePool2DInfo(
      xi.shape as [number, number, number, number],
      attrs["filterSize"] as [number, number],
      attrs["strides"] as [number, number],
      1,
      attrs["pad"] as "same",
      attrs["dimRoundingMode"] as "round" | undefined,
    );
    return poolGeometry(info);
  };

  const binary = (args: Args, op: BinaryOp): TensorInfo | undefined => {
    const backend = be(args);
    const ai = args.inputs["a"]!, bi = args.inputs["b"]!;
    const a = f32(backend, ai), b = f32(backend, bi);
    if (!a || !b) return undefined;
    if (repeatsOver(ai.shape, bi.shape)) {
      return backend.makeTensorInfo(ai.shape, "float32", binaryRepeat(op, a, b, false));
    }
    if (repeatsOver(bi.shape, ai.shape)) {
      return backend.makeTensorInfo(bi.shape, "float32", binaryRepeat(op, b, a, true));
    }
    return undefined;
  };

  return [
    {
      kernelName: RELU_GRAD_KERNEL,
      backendName,
      kernelFunc: ((args: Args) => {
        const backend = be(args);
        const xi = args.inputs["x"]!;
        const x = f32(backend, xi), dy = f32(backend, args.inputs["dy"]);
        if (!x || !dy || x.length !== dy.length) {
          throw new Error(`${RELU_GRAD_KERNEL} needs float32 x and dy of one shape`);
        }
        const dx = dnnlReluGrad?.backward(x, dy) ?? reluGrad(x, dy);
        return backend.makeTensorInfo(xi.shape, "float32", dx);
      }) as KernelFunc,
    },
    def("Conv2D", (args) => conv(args, false)),
    def("FusedConv2D", (args) => conv(args, true)),
    def("Conv2DBackpropInput", (args) => {
      const { inputs } = args;
      const attrs: NamedAttrMap = args.attrs ?? {};
      const backend = be(args);
      const dy = f32(backend, inputs["dy"]), w = f32(backend, inputs["filter"]);
      if (!dy || !w || !isNhwc(attrs)) return undefined;
      const inShape = attrs["inputShape"] as [number, number, number, number];
      const info = backend_util.computeConv2DInfo(
        inShape,
        inputs["filter"]!.shape as [number, number, number, number],
        attrs["strides"] as [number, number],
        1,
        attrs["pad"] as "same",
        attrs["dimRoundingMode"] as "round" | undefined,
      );
      const g = convGeometry(info);
      const dx = convolutions?.backwardData(g, dy, w) ?? conv2dBackpropInput(gemm, g, dy, w);
      return backend.makeTensorInfo(inShape, "float32", dx);
    }),
    def("Conv2DBackpropFilter", (args) => {
      const { inputs } = args;
      const attrs: NamedAttrMap = args.attrs ?? {};
      const backend = be(args);
      const x = f32(backend, inputs["x"]), dy = f32(backend, inputs["dy"]);
      if (!x || !dy || !isNhwc(attrs)) return undefined;
      const filterShape = attrs["filterShape"] as [number, number, number, number];
      const info = backend_util.computeConv2DInfo(
        inputs["x"]!.shape as [number, number, number, number],
        filterShape,
        attrs["strides"] as [number, number],
        1,
        attrs["pad"] as "same",
        attrs["dimRoundingMode"] as "round" | undefined,
      );
      const g = convGeometry(info);
      const dw = convolutions?.backwardFilter(g, x, dy) ?? conv2dBackpropFilter(gemm, g, x, dy);
      return backend.makeTensorInfo(filterShape, "float32", dw);
    }),
    def("BatchMatMul", (args) => matmul(args, false)),
    def("_FusedMatMul", (args) => matmul(args, true)),
    def("MaxPool", (args) => {
      const backend = be(args);
      const x = f32(backend, args.inputs["x"]);
      const g = poolGeometryOf(args);
      if (!x || !g) return undefined;
      return backend.makeTensorInfo(
        [g.batch, g.outHeight, g.outWidth, g.channels],
        "float32",
        maxPool?.forward(g, x) ?? maxPoolForward(g, x),
      );
    }),
    def("MaxPoolGrad", (args) => {
      const backend = be(args);
      const x = f32(backend, args.inputs["input"]), dy = f32(backend, args.inputs["dy"]);
      const y = f32(backend, args.inputs["output"]);
      const g = poolGeometryOf(args);
      if (!x || !dy || !g) return undefined;
      return backend.makeTensorInfo(
        args.inputs["input"]!.shape,
        "float32",
        (y && maxPool?.backward(g, dy, y)) ?? maxPoolBackward(g, x, dy),
      );
    }),
    def("Relu", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      return x && backend.makeTensorInfo(xi.shape, "float32", relu(x));
    }),
    def("Step", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      const alpha = Number((args.attrs ?? {})["alpha"] ?? 0);
      return x && backend.makeTensorInfo(xi.shape, "float32", step(x, alpha));
    }),
    def("FusedBatchNorm", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      const c = xi.shape.at(-1);
      if (!x || c === undefined || c === 0) return undefined;
      // Each parameter: c values along the last axis, one value, or absent (scale 1, offset 0).
      const param = (name: string, absent: number) => {
        const t = args.inputs[name];
        if (!t) return new Float32Array(c).fill(absent);
        const v = f32(backend, t);
        const trailing = t.shape.every((d, i) => d === 1 || i === t.shape.length - 1);
        if (!v || !trailing) return undefined;
        if (v.length === c) return v;
        return v.length === 1 ? new Float32Array(c).fill(v[0]!) : undefined;
      };
      const mean = param("mean", 0), variance = param("variance", 1);
      const scale = param("scale", 1), offset = param("offset", 0);
      if (!mean || !variance || !scale || !offset) return undefined;
      const eps = Number((args.attrs ?? {})["varianceEpsilon"] ?? 0.001);
      const a = new Float32Array(c), b = new Float32Array(c);
      for (let j = 0; j < c; j++) {
        a[j] = scale[j]! / Math.sqrt(variance[j]! + eps);
        b[j] = offset[j]! - mean[j]! * a[j]!;
      }
      return backend.makeTensorInfo(xi.shape, "float32", channelAffine(x, a, b));
    }),
    def("Transpose", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      const perm = (args.attrs ?? {})["perm"] as number[] | undefined;
      if (!x || !perm || xi.shape.length > TRANSPOSE_MAX_RANK) return undefined;
      const shape = perm.map((p) => xi.shape[p]!);
      return backend.makeTensorInfo(shape, "float32", transpose(x, xi.shape, perm));
    }),
    def("Add", (args) => binary(args, "add")),
    def("Sub", (args) => binary(args, "sub")),
    def("Multiply", (args) => binary(args, "mul")),
    def("RealDiv", (args) => binary(args, "div")),
    def("Floor", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      return x && backend.makeTensorInfo(xi.shape, "float32", floor(x));
    }),
    def("Sum", (args) => {
      const backend = be(args);
      const xi = args.inputs["x"]!;
      const x = f32(backend, xi);
      if (!x) return undefined;
      const rank = xi.shape.length;
      const axes = util.parseAxisParam((args.attrs ?? {})["axis"] as number | number[], xi.shape)
        .sort((p, q) => p - q);
      if (axes.length === 0 || axes.length === rank) return undefined;
      const leading = axes.every((ax, i) => ax === i);
      const trailing = axes.every((ax, i) => ax === rank - axes.length + i);
      if (!leading && !trailing) return undefined;
      const split = leading ? axes.length : rank - axes.length;
      const outer = util.sizeFromShape(xi.shape.slice(0, split));
      const inner = util.sizeFromShape(xi.shape.slice(split));
      const values = !leading
        ? sumInner(x, outer, inner)
        : x.length >= GEMM_SUM_MIN_ELEMENTS
        ? sumOuterGemm(gemm, x, outer, inner)
        : sumOuter(x, outer, inner);
      const keep = Boolean((args.attrs ?? {})["keepDims"]);
      const shape = keep
        ? xi.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : xi.shape.filter((_, i) => !axes.includes(i));
      return backend.makeTensorInfo(shape, "float32", values);
    }),
  ];
}
