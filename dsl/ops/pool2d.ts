import type { z } from "zod";
import { defineOp, NONE, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import {
  type Options,
  options,
  padding,
  type PaddingSchema,
  pair,
  type PairSchema,
} from "./_schema.ts";
import { windowed, windowText } from "./_window.ts";

/**
 * The fields of a pooling config as written (see {@linkcode pool2dSchema}).
 *
 * @example
 * ```ts
 * import type { Pool2dFields } from "@graft/graft/dsl";
 * type Written = Pool2dFields["shape"];
 * ```
 */
export type Pool2dFields = Options<{
  poolSize: z.ZodDefault<PairSchema>;
  strides: z.ZodOptional<PairSchema>;
  padding: z.ZodDefault<PaddingSchema>;
}>;

const fields: Pool2dFields = options({
  poolSize: pair(1).default([2, 2]),
  strides: pair(1).optional(),
  padding: padding.default("valid"),
});

/**
 * A `maxPool2d` or `avgPool2d` config as a spec stores it: every field set.
 *
 * @example
 * ```ts
 * import type { Pool2dConfig } from "@graft/graft/dsl";
 * const c: Pool2dConfig = { poolSize: [2, 2], strides: [2, 2], padding: "valid" };
 * ```
 */
export type Pool2dConfig = {
  [K in keyof z.output<Pool2dFields>]-?: NonNullable<z.output<Pool2dFields>[K]>;
};

/**
 * The schema of a pooling config; the stride defaults to the pool size.
 *
 * @example
 * ```ts
 * import { pool2dSchema } from "@graft/graft/dsl";
 * console.log(pool2dSchema.parse({ poolSize: 3 }).strides); // [3, 3]
 * ```
 */
export const pool2dSchema: z.ZodPipe<
  Pool2dFields,
  z.ZodTransform<Pool2dConfig, z.output<Pool2dFields>>
> = fields.transform((c) => ({
  poolSize: c.poolSize,
  strides: c.strides ?? c.poolSize,
  padding: c.padding,
}));

/**
 * Options of the pooling layers: `strides` (default: the pool size) and `padding` (default
 * `"valid"`).
 *
 * @example
 * ```ts
 * import type { PoolOptions } from "@graft/graft/dsl";
 * const o: PoolOptions = { strides: 1, padding: "same" };
 * ```
 */
export type PoolOptions = Omit<z.input<typeof pool2dSchema>, "poolSize">;

function poolOp(name: string): OpDef<typeof pool2dSchema> {
  return defineOp({
    config: pool2dSchema,
    inputs: "one",
    infer: (c, [x]) => windowed(x, c.poolSize, c.strides, c.padding),
    count: () => NONE,
    describe: (c) =>
      c.strides[0] === c.poolSize[0] && c.strides[1] === c.poolSize[1]
        ? `${name} ${c.poolSize[0]}×${c.poolSize[1]}`
        : `${name} ${windowText(c.poolSize, c.strides)}`,
    weights: [],
    pointwise: false,
  });
}

/**
 * The `maxPool2d` op.
 *
 * @example
 * ```ts
 * import { maxPool2dOp } from "@graft/graft/dsl";
 * console.log(maxPool2dOp.infer(maxPool2dOp.config.parse({}), [[32, 32, 3]]));
 * ```
 */
export const maxPool2dOp: OpDef<typeof pool2dSchema> = poolOp("maxPool2d");

/**
 * The `avgPool2d` op.
 *
 * @example
 * ```ts
 * import { avgPool2dOp } from "@graft/graft/dsl";
 * console.log(avgPool2dOp.describe(avgPool2dOp.config.parse({ poolSize: 3 }))); // "avgPool2d 3×3"
 * ```
 */
export const avgPool2dOp: OpDef<typeof pool2dSchema> = poolOp("avgPool2d");

/**
 * Max pooling (PyTorch's `nn.MaxPool2d(kernel_size=2, stride=2)` by default).
 *
 * @example
 * ```ts
 * import { maxPool2d } from "@graft/graft/dsl";
 * const pool = maxPool2d(2);
 * ```
 */
export function maxPool2d(
  poolSize: number | readonly [number, number] = 2,
  options: PoolOptions = {},
): OpLayer<"maxPool2d", Pool2dConfig> {
  const call = callText("maxPool2d", [poolSize, options]);
  return makeLayer("maxPool2d", maxPool2dOp, { poolSize, ...options }, call);
}

/**
 * Average pooling.
 *
 * @example
 * ```ts
 * import { avgPool2d } from "@graft/graft/dsl";
 * const pool = avgPool2d(2);
 * ```
 */
export function avgPool2d(
  poolSize: number | readonly [number, number] = 2,
  options: PoolOptions = {},
): OpLayer<"avgPool2d", Pool2dConfig> {
  const call = callText("avgPool2d", [poolSize, options]);
  return makeLayer("avgPool2d", avgPool2dOp, { poolSize, ...options }, call);
}
