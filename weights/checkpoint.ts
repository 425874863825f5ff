/**
 * Graft checkpoints: a folder holding `weights.safetensors` (Graft names and layout) and
 * `spec.json` (the spec as `toJSON()` writes it).
 *
 * @module
 */

import type * as tfl from "@tensorflow/tfjs-layers";
import { fromJSON } from "../dsl/serialize.ts";
import type { Spec } from "../dsl/spec.ts";
import { WEIGHTED_OPS } from "./_spec_info.ts";
import { WeightsError } from "./errors.ts";
import { CHECKPOINT_WEIGHTS, GRAFT_WEIGHTS_FORMAT } from "./read_weights.ts";
import { decodeSafetensors, encodeSafetensors, type TensorInput } from "./safetensors.ts";
import type { WeightMap, WeightTensor } from "./weight_map.ts";

/** The file name of the spec inside a checkpoint folder. */
export const CHECKPOINT_SPEC = "spec.json";

/**
 * Reads a built model's weights, keyed by `<path>/<name>` (`features.0/kernel`), in Graft's
 * layout. Covers every weighted node of `spec`, trainable or frozen, BatchNorm statistics
 * included.
 *
 * @example
 * ```ts ignore
 * import { collectWeights } from "@graft/graft/weights";
 * const weights = collectWeights(model, spec);
 * console.log([...weights.keys()].slice(0, 2)); // ["features.0/kernel", "features.0/bias"]
 * ```
 */
export function collectWeights(model: tfl.LayersModel, spec: Spec): Map<string, WeightTensor> {
  const out = new Map<string, WeightTensor>();
  for (const node of spec.toJSON().nodes) {
    if (!WEIGHTED_OPS.has(node.op)) continue;
    const layer = model.getLayer(node.path);
    for (const v of layer.weights) {
      const name = v.name.slice(v.name.lastIndexOf("/") + 1).replace(/_\d+$/, "");
      const value = v.read();
      out.set(`${node.path}/${name}`, {
        shape: [...value.shape],
        data: (value.dataSync() as Float32Array).slice(),
      });
    }
  }
  return out;
}

/**
 * Encodes Graft weights as a safetensors file marked as Graft's (`format: graft.weights/v1` in
 * its metadata), with any extra string metadata.
 *
 * @example
 * ```ts
 * import { encodeWeights } from "@graft/graft/weights";
 * const bytes = encodeWeights(new Map([["fc/bias", { shape: [1], data: new Float32Array(1) }]]));
 * console.log(bytes.length > 8); // true
 * ```
 */
export function encodeWeights(
  weights: WeightMap,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const tensors: Record<string, TensorInput> = {};
  for (const [k, t] of weights) tensors[k] = { dtype: "F32", shape: t.shape, data: t.data };
  return encodeSafetensors(tensors, { ...metadata, format: GRAFT_WEIGHTS_FORMAT });
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

/**
 * Saves a Graft checkpoint folder: `weights.safetensors` (every weighted node's tensors, Graft
 * names) and `spec.json`. Each file is written to a temporary name and renamed into place.
 *
 * @example
 * ```ts ignore
 * import { saveCheckpoint } from "@graft/graft/weights";
 * await saveCheckpoint("runs/pretrain/checkpoint", model, spec, { epoch: "3" });
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  spec: Spec,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const bytes = encodeWeights(collectWeights(model, spec), metadata);
  await writeAtomic(`${dir}/${CHECKPOINT_WEIGHTS}`, bytes);
  const json = new TextEncoder().encode(JSON.stringify(spec.toJSON(), null, 2) + "\n");
  await writeAtomic(`${dir}/${CHECKPOINT_SPEC}`, json);
}

/** A checkpoint read back: its spec, its weights and the metadata saved with them. */
export interface SavedCheckpoint {
  /** The spec saved with the weights. */
  readonly spec: Spec<string, string>;
  /** Weights keyed by `<path>/<name>`. */
  readonly weights: WeightMap;
  /** String metadata saved with the weights. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads a checkpoint folder written by {@linkcode saveCheckpoint}. To load its weights into a
 * spec built in code instead, pass the folder to `loadWeights(model, spec, dir)`.
 *
 * @example
 * ```ts ignore
 * import { build } from "@graft/graft/compile";
 * import { applyWeights, loadCheckpoint } from "@graft/graft/weights";
 * const ckpt = await loadCheckpoint("runs/pretrain/checkpoint");
 * const model = build(ckpt.spec);
 * applyWeights(model, ckpt.spec, ckpt.weights, "checkpoint");
 * ```
 */
export async function loadCheckpoint(dir: string): Promise<SavedCheckpoint> {
  const specFile = `${dir}/${CHECKPOINT_SPEC}`;
  const weightsFile = `${dir}/${CHECKPOINT_WEIGHTS}`;
  let specText: string;
  let bytes: Uint8Array;
  try {
    specText = await Deno.readTextFile(specFile);
    bytes = await Deno.readFile(weightsFile);
  } catch (e) {
    throw new WeightsError("Cannot read checkpoint", dir, [
      e instanceof Deno.errors.NotFound
        ? `missing ${CHECKPOINT_SPEC} or ${CHECKPOINT_WEIGHTS}`
        : (e as Error).message,
    ]);
  }
  let spec: Spec<string, string>;
  try {
    spec = fromJSON(specText);
  } catch (e) {
    throw new WeightsError("Cannot read checkpoint", specFile, [(e as Error).message]);
  }
  const file = decodeSafetensors(bytes, weightsFile);
  const weights = new Map<string, WeightTensor>();
  for (const [k, t] of Object.entries(file.tensors)) {
    weights.set(k, { shape: t.shape, data: t.data });
  }
  const { format: _format, ...metadata } = file.metadata;
  return { spec, weights, metadata };
}
