import type { z } from "zod";
import { bad, defineOp, ok, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import { boolean, int, type Options, options } from "./_schema.ts";

/**
 * The schema of a `dense` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { denseSchema } from "@graft/graft/dsl";
 * console.log(denseSchema.safeParse({}).success);
 * ```
 */
export const denseSchema: Options<{ units: z.ZodNumber; useBias: z.ZodDefault<z.ZodBoolean> }> =
  options({
    units: int(1),
    useBias: boolean().default(true),
  });

/**
 * A `dense` config as a spec stores it.
 *
 * @example
 * ```ts
 * import type { DenseConfig } from "@graft/graft/dsl";
 * const c: DenseConfig = { units: 10, useBias: true };
 * ```
 */
export type DenseConfig = z.output<typeof denseSchema>;

/**
 * Options of {@linkcode dense}: `useBias` (default true).
 *
 * @example
 * ```ts
 * import type { DenseOptions } from "@graft/graft/dsl";
 * const o: DenseOptions = { useBias: false };
 * ```
 */
export type DenseOptions = Omit<z.input<typeof denseSchema>, "units">;

/**
 * The `dense` op: a fully connected layer on a flat input.
 *
 * @example
 * ```ts
 * import { denseOp } from "@graft/graft/dsl";
 * console.log(denseOp.describe({ units: 10, useBias: true })); // "dense → 10"
 * ```
 */
export const denseOp: OpDef<typeof denseSchema> = defineOp({
  config: denseSchema,
  inputs: "one",
  infer: (c, [x]) =>
    x.length === 1 ? ok([c.units]) : bad("a flat input [features] (add flatten() before it)", x),
  count: (c, [x]) => ({ params: (x[0] ?? 0) * c.units + (c.useBias ? c.units : 0), buffers: 0 }),
  describe: (c) => `dense → ${c.units}`,
  weights: [
    { name: "kernel", torch: "weight", layout: "denseKernel", buffer: false },
    { name: "bias", torch: "bias", layout: "vector", buffer: false, optional: true },
  ],
  pointwise: false,
});

/**
 * A fully connected layer (PyTorch's `nn.Linear`); input features are inferred.
 *
 * @example A 10-way head
 * ```ts
 * import { dense } from "@graft/graft/dsl";
 * const head = dense(10);
 * ```
 */
export function dense(units: number, options: DenseOptions = {}): OpLayer<"dense", DenseConfig> {
  return makeLayer("dense", denseOp, { units, ...options }, callText("dense", [units, options]));
}
