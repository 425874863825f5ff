import type { z } from "zod";
import { bad, defineOp, IMAGE, NONE, ok, type OpDef, type OpLayer } from "./_def.ts";
import { callText, makeLayer } from "./_layer.ts";
import { type Options, options, pair, type PairSchema } from "./_schema.ts";

/**
 * The schema of a `adaptiveAvgPool2d` config: what users write (defaults filled in) to what a spec stores.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2dSchema } from "@graft/graft/dsl";
 * console.log(adaptiveAvgPool2dSchema.safeParse({}).success);
 * ```
 */
export const adaptiveAvgPool2dSchema: Options<{ outputSize: PairSchema }> = options({
  outputSize: pair(1),
});

/**
 * An `adaptiveAvgPool2d` config as a spec stores it.
 *
 * @example
 * ```ts
 * import type { AdaptiveAvgPool2dConfig } from "@graft/graft/dsl";
 * const c: AdaptiveAvgPool2dConfig = { outputSize: [7, 7] };
 * ```
 */
export type AdaptiveAvgPool2dConfig = z.output<typeof adaptiveAvgPool2dSchema>;

/**
 * The `adaptiveAvgPool2d` op: average pooling to a fixed output size, torchvision's bins.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2dOp } from "@graft/graft/dsl";
 * console.log(adaptiveAvgPool2dOp.infer({ outputSize: [7, 7] }, [[1, 1, 512]]));
 * ```
 */
export const adaptiveAvgPool2dOp: OpDef<typeof adaptiveAvgPool2dSchema> = defineOp({
  config: adaptiveAvgPool2dSchema,
  inputs: "one",
  infer: (c, [x]) => x.length === 3 ? ok([c.outputSize[0], c.outputSize[1], x[2]!]) : bad(IMAGE, x),
  count: () => NONE,
  describe: (c) => `adaptiveAvgPool2d → ${c.outputSize[0]}×${c.outputSize[1]}`,
  weights: [],
  pointwise: false,
});

/**
 * Adaptive average pooling to a fixed output size, as torchvision's `nn.AdaptiveAvgPool2d`:
 * output cell `i` averages input rows `floor(i*H/h)` to `ceil((i+1)*H/h)`, so a 1×1 input is
 * repeated to 7×7.
 *
 * @example VGG's `avgpool`
 * ```ts
 * import { adaptiveAvgPool2d } from "@graft/graft/dsl";
 * const pool = adaptiveAvgPool2d(7);
 * ```
 */
export function adaptiveAvgPool2d(
  outputSize: number | readonly [number, number],
): OpLayer<"adaptiveAvgPool2d", AdaptiveAvgPool2dConfig> {
  const call = callText("adaptiveAvgPool2d", [outputSize]);
  return makeLayer("adaptiveAvgPool2d", adaptiveAvgPool2dOp, { outputSize }, call);
}
