import type { Layer } from "./ops/table.ts";
import { Spec } from "./spec.ts";
import { chain } from "./_chain.ts";
import { SpecError } from "./errors.ts";

/**
 * Builds a spec from groups of layers in order: group `g`'s layers get paths `g.0`, `g.1`, ...
 * The last group is the head (what `replaceHead()` and numeric `drop()` address).
 *
 * @example A small CNN for 32×32 images
 * ```ts
 * import { conv2d, dense, flatten, maxPool2d, relu, sequential } from "@graft/graft/dsl";
 * const cnn = sequential("small_cnn", [32, 32, 3], {
 *   features: [conv2d(16, 3, { padding: 1 }), relu(), maxPool2d(2)],
 *   classifier: [flatten(), dense(10)],
 * });
 * cnn.freeze("features"); // "featurs" would not compile
 * ```
 */
export function sequential<const G extends string>(
  name: string,
  inputShape: readonly number[],
  groups: { readonly [K in G]: readonly Layer[] },
): Spec<`${G}.${number}`, G> {
  const names = Object.keys(groups) as G[];
  const { nodes, output } = chain(names.map((g) => [g, groups[g]] as const));
  if (nodes.length === 0) {
    throw new SpecError([{
      step: `step 1 sequential(${name})`,
      path: name,
      expected: "at least one layer",
      received: "none",
    }]);
  }
  return new Spec({
    format: "graft.spec/v1",
    name,
    input: { shape: [...inputShape] },
    head: names[names.length - 1]!,
    nodes,
    output,
    retired: [],
    steps: [{ index: 1, call: `sequential(${name})` }],
  });
}
