import type { z } from "zod";
import { bad, defineOp, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { makeLayer } from "./_layer.ts";
import { type Options, options } from "./_schema.ts";

/**
 * The schema of a `flatten` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { flattenSchema } from "@graft/graft/dsl";
 * console.log(flattenSchema.safeParse({}).success);
 * ```
 */
export const flattenSchema: Options<Record<never, never>> = options({});

/**
 * A `flatten` config: none.
 *
 * @example
 * ```ts
 * import type { FlattenConfig } from "@graft/graft/dsl";
 * const c: FlattenConfig = {};
 * ```
 */
export type FlattenConfig = z.output<typeof flattenSchema>;

/**
 * The `flatten` op: `[H, W, C]` to `[H*W*C]`, channels last.
 *
 * @example
 * ```ts
 * import { flattenOp } from "@graft/graft/dsl";
 * console.log(flattenOp.infer({}, [[7, 7, 512]])); // { ok: true, shape: [25088] }
 * ```
 */
export const flattenOp: OpDef<typeof flattenSchema> = defineOp({
  config: flattenSchema,
  inputs: "one",
  infer: (_, [x]) =>
    x.length >= 2
      ? ok([x.reduce((a, b) => a * b, 1)])
      : bad("an input with at least two axes, such as [height, width, channels]", x),
  count: () => NONE,
  describe: () => "flatten",
  weights: [],
  pointwise: false,
});

/**
 * Flattens `[H, W, C]` to `[H*W*C]`, channels last.
 *
 * @example
 * ```ts
 * import { flatten } from "@graft/graft/dsl";
 * const f = flatten();
 * ```
 */
export function flatten(): OpLayer<"flatten", FlattenConfig> {
  return makeLayer("flatten", flattenOp, {}, "flatten()");
}
