import type { z } from "zod";
import { defineOp, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import {
  boolean,
  int,
  type Options,
  options,
  padding,
  type PaddingSchema,
  pair,
  type PairSchema,
} from "./_schema.ts";
import { windowed, windowText } from "./_window.ts";

/**
 * The schema of a `conv2d` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { conv2dSchema } from "@graft/graft/dsl";
 * console.log(conv2dSchema.safeParse({}).success);
 * ```
 */
export const conv2dSchema: Options<{
  filters: z.ZodNumber;
  kernelSize: z.ZodDefault<PairSchema>;
  strides: z.ZodDefault<PairSchema>;
  padding: z.ZodDefault<PaddingSchema>;
  useBias: z.ZodDefault<z.ZodBoolean>;
}> = options({
  filters: int(1),
  kernelSize: pair(1).default([3, 3]),
  strides: pair(1).default([1, 1]),
  padding: padding.default("valid"),
  useBias: boolean().default(true),
});

/**
 * A `conv2d` config as a spec stores it.
 *
 * @example
 * ```ts
 * import type { Conv2dConfig } from "@graft/graft/dsl";
 * const c: Conv2dConfig = {
 *   filters: 64,
 *   kernelSize: [3, 3],
 *   strides: [1, 1],
 *   padding: [1, 1],
 *   useBias: true,
 * };
 * ```
 */
export type Conv2dConfig = z.output<typeof conv2dSchema>;

/**
 * Options of {@linkcode conv2d}: `strides` (default 1), `padding` (default `"valid"`, no
 * padding, as PyTorch and Keras) and `useBias` (default true).
 *
 * @example
 * ```ts
 * import type { Conv2dOptions } from "@graft/graft/dsl";
 * const o: Conv2dOptions = { strides: 2, padding: 1 };
 * ```
 */
export type Conv2dOptions = Omit<z.input<typeof conv2dSchema>, "filters" | "kernelSize">;

/**
 * The `conv2d` op: a 2-D convolution, channels last, input channels inferred.
 *
 * @example
 * ```ts
 * import { conv2dOp } from "@graft/graft/dsl";
 * console.log(conv2dOp.weights.map((w) => w.name)); // ["kernel", "bias"]
 * ```
 */
export const conv2dOp: OpDef<typeof conv2dSchema> = defineOp({
  config: conv2dSchema,
  inputs: "one",
  infer: (c, [x]) => windowed(x, c.kernelSize, c.strides, c.padding, c.filters),
  count: (c, [x]) => {
    const [kh, kw] = c.kernelSize;
    return { params: kh * kw * (x[2] ?? 0) * c.filters + (c.useBias ? c.filters : 0), buffers: 0 };
  },
  describe: (c) => `conv2d ${windowText(c.kernelSize, c.strides)} → ${c.filters}`,
  weights: [
    { name: "kernel", torch: "weight", layout: "conv2dKernel", buffer: false },
    { name: "bias", torch: "bias", layout: "vector", buffer: false, optional: true },
  ],
  pointwise: false,
});

/**
 * A 2-D convolution, channels last; input channels are inferred.
 *
 * @example PyTorch's `nn.Conv2d(in, 64, kernel_size=3, padding=1)`
 * ```ts
 * import { conv2d } from "@graft/graft/dsl";
 * const conv = conv2d(64, 3, { padding: 1 });
 * ```
 */
export function conv2d(
  filters: number,
  kernelSize: number | readonly [number, number] = 3,
  options: Conv2dOptions = {},
): OpLayer<"conv2d", Conv2dConfig> {
  return makeLayer(
    "conv2d",
    conv2dOp,
    { filters, kernelSize, ...options },
    callText("conv2d", [filters, kernelSize, options]),
  );
}
