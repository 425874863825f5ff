import type { z } from "zod";
import { defineOp, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { makeLayer } from "./_layer.ts";
import { type Options, options } from "./_schema.ts";
import { formatShape } from "../shape.ts";

/**
 * The schema of an `add` config: none.
 *
 * @example
 * ```ts
 * import { addSchema } from "@graft/graft/dsl";
 * console.log(addSchema.safeParse({}).success); // true
 * ```
 */
export const addSchema: Options<Record<never, never>> = options({});

/**
 * An `add` config: none.
 *
 * @example
 * ```ts
 * import type { AddConfig } from "@graft/graft/dsl";
 * const c: AddConfig = {};
 * ```
 */
export type AddConfig = z.output<typeof addSchema>;

/**
 * The `add` op: the element-wise sum of two or more inputs of one shape (a residual connection).
 *
 * @example
 * ```ts
 * import { addOp } from "@graft/graft/dsl";
 * console.log(addOp.infer({}, [[8, 8, 16], [8, 8, 16]])); // { ok: true, shape: [8, 8, 16] }
 * ```
 */
export const addOp: OpDef<typeof addSchema> = defineOp({
  config: addSchema,
  inputs: "many",
  infer: (_, inputs) =>
    inputs.every((s) => formatShape(s) === formatShape(inputs[0])) ? ok(inputs[0]) : {
      ok: false,
      expected: "inputs of one shape",
      received: inputs.map(formatShape).join(" and "),
    },
  count: () => NONE,
  describe: () => "add",
  weights: [],
  pointwise: false,
});

/**
 * Adds its inputs element-wise: the join of a residual block (`out += identity` in PyTorch).
 * Wire it with `graph()`, naming the inputs in `from`.
 *
 * @example
 * ```ts
 * import { add, conv2d, graph, relu } from "@graft/graft/dsl";
 * const spec = graph("res", [8, 8, 4])
 *   .node("conv", conv2d(4, 3, { padding: 1 }))
 *   .node("add", add(), { from: ["conv", "input"] })
 *   .node("relu", relu())
 *   .spec();
 * ```
 */
export function add(): OpLayer<"add", AddConfig> {
  return makeLayer("add", addOp, {}, "add()");
}
