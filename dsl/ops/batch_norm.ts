import type { z } from "zod";
import { bad, defineOp, ok, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import { number, type Options, options } from "./_schema.ts";

/**
 * The schema of a `batchNorm` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { batchNormSchema } from "@graft/graft/dsl";
 * console.log(batchNormSchema.safeParse({}).success);
 * ```
 */
export const batchNormSchema: Options<{
  epsilon: z.ZodDefault<z.ZodNumber>;
  momentum: z.ZodDefault<z.ZodNumber>;
}> = options({
  epsilon: number("a number > 0", { gt: 0 }).default(1e-5),
  momentum: number("a number in [0, 1]", { min: 0, max: 1 }).default(0.1),
});

/**
 * A `batchNorm` config as a spec stores it.
 *
 * @example
 * ```ts
 * import type { BatchNormConfig } from "@graft/graft/dsl";
 * const c: BatchNormConfig = { epsilon: 1e-5, momentum: 0.1 };
 * ```
 */
export type BatchNormConfig = z.output<typeof batchNormSchema>;

/**
 * Options of {@linkcode batchNorm}: `epsilon`, added to the variance (default 1e-5, as
 * PyTorch), and `momentum`, the weight of the new batch statistic in the moving average in
 * PyTorch's convention (Keras' momentum is `1 - momentum`; default 0.1).
 *
 * @example
 * ```ts
 * import type { BatchNormOptions } from "@graft/graft/dsl";
 * const o: BatchNormOptions = { momentum: 0.01 };
 * ```
 */
export type BatchNormOptions = z.input<typeof batchNormSchema>;

/**
 * The `batchNorm` op: normalisation over the last (channel) axis; its moving statistics are
 * buffers. PyTorch's `weight`/`bias`/`running_mean`/`running_var` are Graft's (and Keras')
 * `gamma`/`beta`/`moving_mean`/`moving_variance`.
 *
 * @example
 * ```ts
 * import { batchNormOp } from "@graft/graft/dsl";
 * console.log(batchNormOp.weights.map((w) => w.torch)); // ["weight", "bias", "running_mean", "running_var"]
 * ```
 */
export const batchNormOp: OpDef<typeof batchNormSchema> = defineOp({
  config: batchNormSchema,
  inputs: "one",
  infer: (_, [x]) =>
    x.length === 1 || x.length === 3
      ? ok(x)
      : bad("an input [features] or [height, width, channels]", x),
  count: (_, [x]) => {
    const c = x[x.length - 1] ?? 0;
    return { params: 2 * c, buffers: 2 * c };
  },
  describe: () => "batchNorm",
  weights: [
    { name: "gamma", torch: "weight", layout: "vector", buffer: false },
    { name: "beta", torch: "bias", layout: "vector", buffer: false },
    { name: "moving_mean", torch: "running_mean", layout: "vector", buffer: true },
    { name: "moving_variance", torch: "running_var", layout: "vector", buffer: true },
  ],
  pointwise: false,
});

/**
 * Batch normalisation over the last (channel) axis. Its moving statistics are buffers, not
 * parameters; frozen, it runs in inference mode and keeps them.
 *
 * @example
 * ```ts
 * import { batchNorm } from "@graft/graft/dsl";
 * const bn = batchNorm({ momentum: 0.1 });
 * ```
 */
export function batchNorm(options: BatchNormOptions = {}): OpLayer<"batchNorm", BatchNormConfig> {
  return makeLayer("batchNorm", batchNormOp, options, callText("batchNorm", [options]));
}
