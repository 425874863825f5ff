import type { z } from "zod";
import { defineOp, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import { number, type Options, options } from "./_schema.ts";

/**
 * The schema of a `dropout` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { dropoutSchema } from "@graft/graft/dsl";
 * console.log(dropoutSchema.safeParse({}).success);
 * ```
 */
export const dropoutSchema: Options<{ rate: z.ZodDefault<z.ZodNumber> }> = options({
  rate: number("a number in [0, 1)", { min: 0, lt: 1 }).default(0.5),
});

/**
 * A `dropout` config as a spec stores it.
 *
 * @example
 * ```ts
 * import type { DropoutConfig } from "@graft/graft/dsl";
 * const c: DropoutConfig = { rate: 0.5 };
 * ```
 */
export type DropoutConfig = z.output<typeof dropoutSchema>;

/**
 * The `dropout` op: zeroes a fraction `rate` of its input in training only.
 *
 * @example
 * ```ts
 * import { dropoutOp } from "@graft/graft/dsl";
 * console.log(dropoutOp.config.safeParse({ rate: 1 }).success); // false
 * ```
 */
export const dropoutOp: OpDef<typeof dropoutSchema> = defineOp({
  config: dropoutSchema,
  inputs: "one",
  infer: (_, [x]) => ok(x),
  count: () => NONE,
  describe: (c) => `dropout ${c.rate}`,
  weights: [],
  pointwise: true,
});

/**
 * Dropout, active in training only; `rate` in [0, 1), default 0.5.
 *
 * @example
 * ```ts
 * import { dropout } from "@graft/graft/dsl";
 * const d = dropout(0.5);
 * ```
 */
export function dropout(rate = 0.5): OpLayer<"dropout", DropoutConfig> {
  return makeLayer("dropout", dropoutOp, { rate }, callText("dropout", [rate]));
}
