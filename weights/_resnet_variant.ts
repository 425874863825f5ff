// ResNet v1 and v1.5 have the same weights, shapes included, and differ only in where a
// bottleneck stage's first block strides: v1 (the 2015 paper, Keras Applications) on its 1×1
// conv1, v1.5 (torchvision) on its 3×3 conv2. Loading one into the other raises no shape error
// and computes another network, so the variant is read off each side where it is known: a
// spec's strides, a Keras Applications ResNet file (always v1), a checkpoint's spec.
import type { Spec } from "../dsl/spec.ts";
import { WeightsError } from "./errors.ts";

/** A bottleneck ResNet's variant by its strides; undefined for any other spec. */
export function resnetVariant(spec: Spec): "v1" | "v1.5" | undefined {
  const nodes = new Map(spec.toJSON().nodes.map((n) => [n.path, n]));
  for (const stage of [2, 3, 4]) {
    if (!nodes.has(`layer${stage}.0.conv3`)) continue; // basic blocks have one place to stride
    const strided = (k: number) => {
      const s = (nodes.get(`layer${stage}.0.conv${k}`)?.config as { strides?: number[] })?.strides;
      return s !== undefined && s.some((v) => v > 1);
    };
    if (strided(1) && !strided(2)) return "v1";
    if (strided(2) && !strided(1)) return "v1.5";
  }
  return undefined;
}

const WHERE = {
  "v1": "stride 2 on the first block's 1×1 conv1 of layer2-4",
  "v1.5": "stride 2 on the first block's 3×3 conv2 of layer2-4",
} as const;

/**
 * Refuses weights of ResNet variant `file` (`what` says how it is known) for a spec of the other
 * variant: the weights would fit and compute another network.
 */
export function checkResnetVariant(
  spec: Spec,
  file: "v1" | "v1.5" | undefined,
  what: string,
  source: string,
): void {
  const target = resnetVariant(spec);
  if (file === undefined || target === undefined || file === target) return;
  throw new WeightsError("Cannot load weights", source, [
    `${what} is ResNet variant ${file} (${WHERE[file]}) and the spec ${spec.name} is variant ` +
    `${target} (${WHERE[target]}): the weights would load and compute another network; build ` +
    `the spec with variant: "${file}"`,
  ]);
}
