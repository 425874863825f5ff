import type { z } from "zod";
import { bad, defineOp, IMAGE, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { makeLayer } from "./_layer.ts";
import { type Options, options } from "./_schema.ts";

/**
 * The schema of a `globalAvgPool2d` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { globalAvgPool2dSchema } from "@graft/graft/dsl";
 * console.log(globalAvgPool2dSchema.safeParse({}).success);
 * ```
 */
export const globalAvgPool2dSchema: Options<Record<never, never>> = options({});

/**
 * A `globalAvgPool2d` config: none.
 *
 * @example
 * ```ts
 * import type { GlobalAvgPool2dConfig } from "@graft/graft/dsl";
 * const c: GlobalAvgPool2dConfig = {};
 * ```
 */
export type GlobalAvgPool2dConfig = z.output<typeof globalAvgPool2dSchema>;

/**
 * The `globalAvgPool2d` op: `[H, W, C]` to `[C]`.
 *
 * @example
 * ```ts
 * import { globalAvgPool2dOp } from "@graft/graft/dsl";
 * console.log(globalAvgPool2dOp.infer({}, [[4, 4, 64]])); // { ok: true, shape: [64] }
 * ```
 */
export const globalAvgPool2dOp: OpDef<typeof globalAvgPool2dSchema> = defineOp({
  config: globalAvgPool2dSchema,
  inputs: "one",
  infer: (_, [x]) => (x.length === 3 ? ok([x[2]!]) : bad(IMAGE, x)),
  count: () => NONE,
  describe: () => "globalAvgPool2d",
  weights: [],
  pointwise: false,
});

/**
 * Global average pooling: `[H, W, C]` to `[C]`.
 *
 * @example
 * ```ts
 * import { globalAvgPool2d } from "@graft/graft/dsl";
 * const pool = globalAvgPool2d();
 * ```
 */
export function globalAvgPool2d(): OpLayer<"globalAvgPool2d", GlobalAvgPool2dConfig> {
  return makeLayer("globalAvgPool2d", globalAvgPool2dOp, {}, "globalAvgPool2d()");
}
