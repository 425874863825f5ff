import type { Layer } from "./layers.ts";
import { Spec } from "./spec.ts";
import { INPUT, type SpecNode } from "./types.ts";
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
  const nodes: SpecNode[] = [];
  let previous = INPUT;
  const names = Object.keys(groups) as G[];
  for (const group of names) {
    groups[group].forEach((layer, i) => {
      const path = `${group}.${i}`;
      nodes.push({
        path,
        op: layer.op,
        config: layer.config,
        inputs: [previous],
        trainable: true,
        step: 1,
        origin: 1,
      });
      previous = path;
    });
  }
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
    output: previous,
    retired: [],
    steps: [{ index: 1, call: `sequential(${name})` }],
  });
}
