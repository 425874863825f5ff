/**
 * Reads any supported weight source (a Graft checkpoint or a run folder holding one, a
 * safetensors file with Graft or PyTorch names, a Keras HDF5 file, raw bytes of one of those,
 * or a ready weight map) into Graft weights for a spec.
 *
 * @module
 */

import type { Spec } from "../dsl/spec.ts";
import { decodeSafetensors, type Safetensors } from "./safetensors.ts";
import { kerasToGraft, readKerasH5 } from "./keras_h5.ts";
import { isKerasResnet } from "./_keras_resnet.ts";
import { checkResnetVariant, resnetVariant } from "./_resnet_variant.ts";
import { torchToGraft } from "./torch_state_dict.ts";
import { WeightsError } from "./errors.ts";
import { checkpointFromSafetensors, findCheckpoint, isCheckpoint } from "./checkpoint.ts";
import type { WeightMap, WeightTensor } from "./weight_map.ts";

/**
 * Where weights come from: a file or run-folder path, the bytes of a file (with a name
 * for messages), or weights already in Graft's form.
 *
 * @example
 * ```ts
 * import type { WeightSource } from "@graft/graft/weights";
 * const a: WeightSource = "runs/pretrain.safetensors";
 * const b: WeightSource = { bytes: new Uint8Array(0), name: "upload.safetensors" };
 * ```
 */
export type WeightSource =
  | string
  | { readonly bytes: Uint8Array; readonly name: string }
  | WeightMap;

/** The format a source turned out to be. */
export type WeightFormat = "graft" | "torch" | "keras-h5" | "weight-map";

/** Weights read from a source, in Graft's layout and names. */
export interface ReadWeights {
  /** Weights keyed by `<path>/<name>`. */
  readonly weights: WeightMap;
  /** The format detected. */
  readonly format: WeightFormat;
  /** The file name or label, for messages. */
  readonly source: string;
  /** Source entries that map to no Graft weight. */
  readonly unused: readonly string[];
}

/** Options of {@linkcode readWeights}. */
export interface ReadWeightsOptions {
  /**
   * For Keras files: the architecture the file was saved from, whose conv/dense/BatchNorm
   * paths take the file's layers in order. Default: the target spec (see `kerasToGraft`).
   */
  readonly reference?: Spec;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function isGraftFile(file: Safetensors): boolean {
  const names = Object.keys(file.tensors);
  return names.length > 0 && names.every((n) => n.includes("/"));
}

async function readSourceBytes(path: string): Promise<{ bytes: Uint8Array; name: string }> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    throw new WeightsError("Cannot read weights", path, [
      e instanceof Deno.errors.NotFound ? "no such file or folder" : (e as Error).message,
    ]);
  }
  const file = stat.isDirectory ? await findCheckpoint(path) : path;
  try {
    return { bytes: await Deno.readFile(file), name: file };
  } catch (e) {
    throw new WeightsError("Cannot read weights", file, [(e as Error).message]);
  }
}

/**
 * Reads weights from any {@linkcode WeightSource} and converts them to Graft's names and layout
 * for `spec`. The format is detected from the content: HDF5 signature (Keras), a training
 * Graft checkpoint (`saveCheckpoint`, or a run's checkpoint; training state is ignored),
 * safetensors with Graft names (`features.0/kernel`), or safetensors with PyTorch names
 * (torchvision or timm state dicts). A folder means its `last.safetensors`, else
 * `checkpoints/last.safetensors` (a training run's folder).
 *
 * @example
 * ```ts ignore
 * import { readWeights } from "@graft/graft/weights";
 * import { vgg16 } from "@graft/graft/dsl";
 * const { weights, format } = await readWeights("vgg16.safetensors", vgg16());
 * console.log(format, weights.size); // "torch" 32
 * ```
 */
export async function readWeights(
  source: WeightSource,
  spec: Spec,
  options: ReadWeightsOptions = {},
): Promise<ReadWeights> {
  if (source instanceof Map) {
    return { weights: source, format: "weight-map", source: "<weights>", unused: [] };
  }
  const { bytes, name } = typeof source === "string"
    ? await readSourceBytes(source)
    : source as { bytes: Uint8Array; name: string };
  if (bytes.length >= 8 && HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const layers = await readKerasH5(bytes, name);
    if (isKerasResnet(layers)) {
      checkResnetVariant(spec, "v1", "the file, a Keras Applications ResNet,", name);
    }
    const { weights, unused } = kerasToGraft(layers, options.reference ?? spec, name);
    return { weights, format: "keras-h5", source: name, unused };
  }
  const file = decodeSafetensors(bytes, name);
  if (isCheckpoint(file)) {
    const { weights, spec: saved } = checkpointFromSafetensors(file, name);
    checkResnetVariant(spec, resnetVariant(saved), `the checkpoint's spec ${saved.name}`, name);
    return { weights, format: "graft", source: name, unused: [] };
  }
  if (isGraftFile(file)) {
    const weights = new Map<string, WeightTensor>();
    for (const [key, t] of Object.entries(file.tensors)) {
      weights.set(key, { shape: t.shape, data: t.data });
    }
    return { weights, format: "graft", source: name, unused: [] };
  }
  const { weights, unused } = torchToGraft(file.tensors, spec, name);
  return { weights, format: "torch", source: name, unused };
}
