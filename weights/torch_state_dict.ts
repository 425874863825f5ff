/**
 * PyTorch state dicts (torchvision and timm names) to Graft weights.
 *
 * @module
 */

import type { Spec } from "../dsl/spec.ts";
import type { DecodedTensor } from "./safetensors.ts";
import { oihwToHwio, torchDenseAfterFlatten, transpose2d } from "./_layout.ts";
import { flattenedFrom, WEIGHTED_OPS } from "./_spec_info.ts";
import { type Op, OP_NAMES, OPS } from "../dsl/ops/table.ts";
import type { WeightLayout } from "../dsl/ops/_def.ts";
import { WeightsError } from "./errors.ts";
import { formatShape, type WeightMap, type WeightTensor } from "./weight_map.ts";

/** The result of converting a state dict: Graft weights and the entries that were not used. */
export interface TorchConversion {
  /** Weights keyed by `<path>/<name>` in Graft's layout. */
  readonly weights: WeightMap;
  /** State-dict names that map to no Graft weight (unknown parameters). */
  readonly unused: readonly string[];
}

// timm's VGG keeps torchvision's `features` but names the classifier differently and stores
// its first two dense layers as convolutions (7×7 and 1×1).
const TIMM_ALIASES: readonly [string, string][] = [
  ["pre_logits.fc1.", "classifier.0."],
  ["pre_logits.fc2.", "classifier.3."],
  ["head.fc.", "classifier.6."],
];

function canonicalName(name: string): string {
  let n = name.startsWith("module.") ? name.slice("module.".length) : name;
  for (const [from, to] of TIMM_ALIASES) {
    if (n.startsWith(from)) n = to + n.slice(from.length);
  }
  return n;
}

interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly name: string;
}

const RANK: Record<WeightLayout, number> = { conv2dKernel: 4, denseKernel: 2, vector: 1 };

/**
 * The op a state-dict module holds when the spec has no node at its path (a dropped layer):
 * the op with the most weights whose required PyTorch names are all there, the first with the
 * rank its layout has.
 */
function torchOpOf(params: ReadonlyMap<string, Tensor>): Op | undefined {
  const candidates = OP_NAMES.filter((op) => OPS[op].weights.length > 0)
    .sort((a, b) => OPS[b].weights.length - OPS[a].weights.length);
  return candidates.find((op) => {
    const defs = OPS[op].weights;
    const first = params.get(defs[0]!.torch);
    return first?.shape.length === RANK[defs[0]!.layout] &&
      defs.every((w) => w.optional || params.has(w.torch));
  });
}

/**
 * Converts a PyTorch state dict with torchvision or timm names (`features.0.weight`,
 * `features.1.running_var`, `classifier.6.bias`, `pre_logits.fc1.weight`, `head.fc.weight`) to
 * Graft weights for `spec`: conv weights OIHW to HWIO, dense weights `[out, in]` to `[in, out]`,
 * BatchNorm `weight/bias/running_mean/running_var` to `gamma/beta/moving_mean/moving_variance`
 * (`num_batches_tracked` is skipped). A dense layer that the spec feeds from a flatten of an
 * `[H, W, C]` map gets its input rows reordered from PyTorch's channels-first flatten order to
 * Graft's channels-last one. timm's convolutional `pre_logits` layers become dense layers.
 *
 * @example
 * ```ts ignore
 * import { decodeSafetensors, torchToGraft } from "@graft/graft/weights";
 * import { vgg16 } from "@graft/graft/dsl";
 * const file = decodeSafetensors(await Deno.readFile("vgg16.safetensors"));
 * const { weights } = torchToGraft(file.tensors, vgg16());
 * console.log(weights.get("features.0/kernel")?.shape); // [3, 3, 3, 64]
 * ```
 */
export function torchToGraft(
  tensors: Readonly<Record<string, DecodedTensor>>,
  spec: Spec,
  source = "<state dict>",
): TorchConversion {
  const data = spec.toJSON();
  let shapes: ReadonlyMap<string, readonly number[]> = new Map();
  try {
    shapes = spec.shapes();
  } catch {
    // A spec with shape errors still maps by name; the loader reports the mismatches.
  }
  const modules = new Map<string, Map<string, Tensor>>();
  const unused: string[] = [];
  for (const [rawName, t] of Object.entries(tensors)) {
    const name = canonicalName(rawName);
    const dot = name.lastIndexOf(".");
    if (dot < 0) {
      unused.push(rawName);
      continue;
    }
    const path = name.slice(0, dot);
    const param = name.slice(dot + 1);
    if (param === "num_batches_tracked") continue;
    let m = modules.get(path);
    if (!m) modules.set(path, m = new Map());
    m.set(param, { shape: t.shape, data: t.data, name: rawName });
  }
  const weights = new Map<string, WeightTensor>();
  const problems: string[] = [];
  const nodes = new Map(data.nodes.map((n) => [n.path, n]));
  for (const [path, params] of modules) {
    const node = nodes.get(path);
    const op = node && WEIGHTED_OPS.has(node.op) ? node.op : torchOpOf(params);
    if (op === undefined) {
      for (const t of params.values()) unused.push(t.name);
      continue;
    }
    const defs = OPS[op].weights;
    const kernel = defs[0]?.layout !== "vector" ? params.get(defs[0]!.torch) : undefined;
    // timm stores VGG's first two dense layers as 7×7 and 1×1 convolutions.
    const timmConvDense = op === "dense" && kernel?.shape.length === 4 &&
      /^classifier\.[036]$/.test(path);
    const kernelShape = kernel && timmConvDense
      ? [kernel.shape[0]!, kernel.shape.slice(1).reduce((a, b) => a * b, 1)]
      : kernel?.shape;
    for (const w of defs) {
      const t = params.get(w.torch);
      if (!t) continue;
      params.delete(w.torch);
      if (w.layout === "conv2dKernel" && t.shape.length === 4) {
        const [o, i, h, k] = t.shape as [number, number, number, number];
        weights.set(`${path}/${w.name}`, {
          shape: [h, k, i, o],
          data: oihwToHwio(t.data, t.shape),
        });
      } else if (w.layout === "denseKernel" && kernelShape?.length === 2) {
        const [out, inp] = kernelShape as [number, number];
        const from = flattenedFrom(data, shapes, path);
        const channelsFirst = from && from[0] * from[1] * from[2] === inp && from[0] * from[1] > 1;
        weights.set(`${path}/${w.name}`, {
          shape: [inp, out],
          data: channelsFirst
            ? torchDenseAfterFlatten(t.data, out, from)
            : transpose2d(t.data, out, inp),
        });
      } else if (w.layout === "vector") {
        if (kernel && kernelShape && (t.shape.length !== 1 || t.shape[0] !== kernelShape[0])) {
          problems.push(
            `${t.name} has shape ${formatShape(t.shape)}, expected [${kernelShape[0]}] ` +
              `to match ${kernel.name} ${formatShape(kernel.shape)}`,
          );
        }
        weights.set(`${path}/${w.name}`, { shape: t.shape, data: t.data });
      } else {
        problems.push(
          `${t.name} has shape ${formatShape(t.shape)}: ${op} ${w.name} needs ` +
            `${w.layout === "conv2dKernel" ? "4" : "2"} dimensions`,
        );
      }
    }
    for (const t of params.values()) unused.push(t.name);
  }
  if (problems.length > 0) {
    throw new WeightsError("Cannot convert PyTorch weights", source, problems);
  }
  return { weights, unused };
}
