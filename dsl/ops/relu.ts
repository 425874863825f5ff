import type { z } from "zod";
import { defineOp, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { makeLayer } from "./_layer.ts";
import { type Options, options } from "./_schema.ts";

/**
 * The schema of a `relu` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { reluSchema } from "@graft/graft/dsl";
 * console.log(reluSchema.safeParse({}).success);
 * ```
 */
export const reluSchema: Options<Record<never, never>> = options({});

/**
 * A `relu` config: none.
 *
 * @example
 * ```ts
 * import type { ReluConfig } from "@graft/graft/dsl";
 * const c: ReluConfig = {};
 * ```
 */
export type ReluConfig = z.output<typeof reluSchema>;

/**
 * The `relu` op: rectified linear unit.
 *
 * @example
 * ```ts
 * import { reluOp } from "@graft/graft/dsl";
 * console.log(reluOp.pointwise); // true
 * ```
 */
export const reluOp: OpDef<typeof reluSchema> = defineOp({
  config: reluSchema,
  inputs: "one",
  infer: (_, [x]) => ok(x),
  count: () => NONE,
  describe: () => "relu",
  weights: [],
  pointwise: true,
});

/**
 * Rectified linear unit.
 *
 * @example
 * ```ts
 * import { relu } from "@graft/graft/dsl";
 * const act = relu();
 * ```
 */
export function relu(): OpLayer<"relu", ReluConfig> {
  return makeLayer("relu", reluOp, {}, "relu()");
}
