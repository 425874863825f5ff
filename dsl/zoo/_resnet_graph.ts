// The graph of a torchvision ResNet: stem, four stages of residual blocks, pooling and head.
import { type Graph, graph } from "../graph.ts";
import {
  add,
  batchNorm,
  conv2d,
  dense,
  globalAvgPool2d,
  type Layer,
  maxPool2d,
  relu,
} from "../ops/mod.ts";
import { INPUT } from "../types.ts";
import { type Problem, SpecError } from "../errors.ts";
import type { ResnetArchitecture, ResnetBlock, ResnetDepth } from "./resnet_types.ts";

/** torchvision's block type and blocks per stage for each depth. */
export const DEPTHS: Record<
  ResnetDepth,
  readonly [ResnetBlock, readonly [number, number, number, number]]
> = {
  18: ["basic", [2, 2, 2, 2]],
  34: ["basic", [3, 4, 6, 3]],
  50: ["bottleneck", [3, 4, 6, 3]],
  101: ["bottleneck", [3, 4, 23, 3]],
  152: ["bottleneck", [3, 8, 36, 3]],
};

const EXPANSION: Record<ResnetBlock, number> = { basic: 1, bottleneck: 4 };

export /** A ResNet with torchvision's names, as a graph. */
function resnetGraph(name: string, a: ResnetArchitecture): Graph<string> {
  let g: Graph<string> = graph(name, a.inputShape ?? [224, 224, 3]);
  const put = (path: string, layer: Layer, from: string | readonly string[]): string => {
    g = g.node(path, layer, { from });
    return path;
  };
  const width = a.width ?? 64;
  const conv = (filters: number, k: number, strides = 1) =>
    conv2d(filters, k, { strides, padding: (k - 1) / 2, useBias: false });
  let x = a.cifarStem
    ? put("conv1", conv(width, 3), [INPUT])
    : put("conv1", conv(width, 7, 2), [INPUT]);
  x = put("bn1", batchNorm(), [x]);
  x = put("relu", relu(), [x]);
  if (!a.cifarStem) x = put("maxpool", maxPool2d(3, { strides: 2, padding: 1 }), [x]);
  const expansion = EXPANSION[a.block];
  const v1 = a.variant === "v1";
  let channels = width;
  a.blocks.forEach((count, s) => {
    const planes = width * 2 ** s;
    for (let b = 0; b < count; b++) {
      const at = `layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      const input = x;
      let y: string;
      if (a.block === "basic") {
        y = put(`${at}.conv1`, conv(planes, 3, stride), [input]);
        y = put(`${at}.bn1`, batchNorm(), [y]);
        y = put(`${at}.relu1`, relu(), [y]);
        y = put(`${at}.conv2`, conv(planes, 3), [y]);
        y = put(`${at}.bn2`, batchNorm(), [y]);
      } else {
        y = put(`${at}.conv1`, conv(planes, 1, v1 ? stride : 1), [input]);
        y = put(`${at}.bn1`, batchNorm(), [y]);
        y = put(`${at}.relu1`, relu(), [y]);
        y = put(`${at}.conv2`, conv(planes, 3, v1 ? 1 : stride), [y]);
        y = put(`${at}.bn2`, batchNorm(), [y]);
        y = put(`${at}.relu2`, relu(), [y]);
        y = put(`${at}.conv3`, conv(planes * expansion, 1), [y]);
        y = put(`${at}.bn3`, batchNorm(), [y]);
      }
      let shortcut = input;
      if (stride !== 1 || channels !== planes * expansion) {
        shortcut = put(`${at}.downsample.0`, conv(planes * expansion, 1, stride), [input]);
        shortcut = put(`${at}.downsample.1`, batchNorm(), [shortcut]);
      }
      y = put(`${at}.add`, add(), [y, shortcut]);
      x = put(`${at}.relu`, relu(), [y]);
      channels = planes * expansion;
    }
  });
  x = put("avgpool", globalAvgPool2d(), [x]);
  put("fc", dense(a.classes ?? 1000), [x]);
  return g;
}

/** Throws one SpecError listing every option of an architecture that cannot be built. */
export function checkArchitecture(call: string, a: ResnetArchitecture): void {
  const problems: Problem[] = [];
  const bad = (path: string, expected: string, received: unknown) =>
    problems.push({
      step: call,
      path,
      expected,
      received: JSON.stringify(received) ?? "undefined",
    });
  const shape = a.inputShape ?? [224, 224, 3];
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    bad("inputShape", "three positive integers [height, width, channels]", shape);
  }
  if (a.blocks?.length !== 4 || !a.blocks.every((n) => Number.isInteger(n) && n > 0)) {
    bad("blocks", "four positive integers, the blocks of layer1 … layer4", a.blocks);
  }
  if (a.block !== "basic" && a.block !== "bottleneck") {
    bad("block", '"basic" or "bottleneck"', a.block);
  }
  const width = a.width ?? 64;
  if (!Number.isInteger(width) || width < 1) bad("width", "a positive integer", width);
  if (a.variant !== undefined && a.variant !== "v1" && a.variant !== "v1.5") {
    bad("variant", '"v1.5" or "v1"', a.variant);
  }
  if (a.variant === "v1" && a.weights === "imagenet" && a.name !== undefined) {
    bad(
      "weights",
      `a file for variant v1 (torchvision's imagenet weights are v1.5; resolveWeights("${a.name}", ` +
        `"imagenet", { origin: "keras" }) downloads Keras Applications' v1 file)`,
      a.weights,
    );
  }
  if (problems.length) throw new SpecError(problems);
}
