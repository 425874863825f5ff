import type { z } from "zod";
import { defineOp, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { makeLayer } from "./_layer.ts";
import { type Options, options } from "./_schema.ts";
import { formatShape } from "../shape.ts";

/**
 * The schema of a `concat` config: none (inputs join along the last, channel, axis).
 *
 * @example
 * ```ts
 * import { concatSchema } from "@graft/graft/dsl";
 * console.log(concatSchema.safeParse({ axis: 1 }).success); // false
 * ```
 */
export const concatSchema: Options<Record<never, never>> = options({});

/**
 * A `concat` config: none.
 *
 * @example
 * ```ts
 * import type { ConcatConfig } from "@graft/graft/dsl";
 * const c: ConcatConfig = {};
 * ```
 */
export type ConcatConfig = z.output<typeof concatSchema>;

/**
 * The `concat` op: joins two or more inputs along the last (channel) axis; every other axis must
 * agree.
 *
 * @example
 * ```ts
 * import { concatOp } from "@graft/graft/dsl";
 * console.log(concatOp.infer({}, [[8, 8, 16], [8, 8, 4]])); // { ok: true, shape: [8, 8, 20] }
 * ```
 */
export const concatOp: OpDef<typeof concatSchema> = defineOp({
  config: concatSchema,
  inputs: "many",
  infer: (_, inputs) => {
    const lead = (s: readonly number[]) => formatShape(s.slice(0, -1));
    return inputs.every((s) => s.length === inputs[0].length && lead(s) === lead(inputs[0]))
      ? ok([...inputs[0].slice(0, -1), inputs.reduce((a, s) => a + s[s.length - 1]!, 0)])
      : {
        ok: false,
        expected: "inputs that differ in their last axis only",
        received: inputs.map(formatShape).join(" and "),
      };
  },
  count: () => NONE,
  describe: () => "concat",
  weights: [],
  pointwise: false,
});

/**
 * Concatenates its inputs along the channel axis (PyTorch's `torch.cat(..., dim=1)` on NCHW).
 * Wire it with `graph()`, naming the inputs in `from`.
 *
 * @example
 * ```ts
 * import { concat, conv2d, graph } from "@graft/graft/dsl";
 * const spec = graph("inception", [8, 8, 4])
 *   .node("a", conv2d(4, 1), { from: "input" })
 *   .node("b", conv2d(4, 3, { padding: 1 }), { from: "input" })
 *   .node("join", concat(), { from: ["a", "b"] })
 *   .spec();
 * ```
 */
export function concat(): OpLayer<"concat", ConcatConfig> {
  return makeLayer("concat", concatOp, {}, "concat()");
}
