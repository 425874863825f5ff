/**
 * PyTorch state dicts (torchvision and timm names) to Graft weights.
 *
 * @module
 */

import type { Spec } from "../dsl/spec.ts";
import type { DecodedTensor } from "./safetensors.ts";
import { oihwToHwio, torchDenseAfterFlatten, transpose2d } from "./_layout.ts";
import { flattenedFrom } from "./_spec_info.ts";
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
  for (const [path, params] of modules) {
    const weight = params.get("weight");
    const bias = params.get("bias");
    if (params.has("running_mean") || params.has("running_var")) {
      const names: [string, string][] = [
        ["weight", "gamma"],
        ["bias", "beta"],
        ["running_mean", "moving_mean"],
        ["running_var", "moving_variance"],
      ];
      for (const [from, to] of names) {
        const t = params.get(from);
        if (t) weights.set(`${path}/${to}`, { shape: t.shape, data: t.data });
        params.delete(from);
      }
    } else if (weight && (weight.shape.length === 4 || weight.shape.length === 2)) {
      let shape = weight.shape;
      const isTimmConvDense = weight.shape.length === 4 && /^classifier\.[036]$/.test(path);
      if (isTimmConvDense) shape = [shape[0]!, shape.slice(1).reduce((a, b) => a * b, 1)];
      if (shape.length === 4) {
        const [o, i, h, w] = shape as [number, number, number, number];
        weights.set(`${path}/kernel`, {
          shape: [h, w, i, o],
          data: oihwToHwio(weight.data, shape),
        });
      } else {
        const [out, inp] = shape as [number, number];
        const from = flattenedFrom(data, shapes, path);
        if (from && from[0] * from[1] * from[2] === inp && from[0] * from[1] > 1) {
          weights.set(`${path}/kernel`, {
            shape: [inp, out],
            data: torchDenseAfterFlatten(weight.data, out, from),
          });
        } else {
          weights.set(`${path}/kernel`, {
            shape: [inp, out],
            data: transpose2d(weight.data, out, inp),
          });
        }
      }
      params.delete("weight");
      if (bias) {
        if (bias.shape.length !== 1 || bias.shape[0] !== shape[0]) {
          problems.push(
            `${bias.name} has shape ${formatShape(bias.shape)}, expected [${shape[0]}] ` +
              `to match ${weight.name} ${formatShape(weight.shape)}`,
          );
        }
        weights.set(`${path}/bias`, { shape: bias.shape, data: bias.data });
        params.delete("bias");
      }
    }
    for (const t of params.values()) unused.push(t.name);
  }
  if (problems.length > 0) {
    throw new WeightsError("Cannot convert PyTorch weights", source, problems);
  }
  return { weights, unused };
}
