/**
 * Graft's one checkpoint format: a single safetensors file holding a model's weights
 * (`weights/<path>/<name>`, Graft's layout), its spec (metadata `graft.spec`), and optionally
 * the state of the training run that wrote it (metadata `graft.training`, tensors
 * `optimizer/<slot>`), so the same file loads into a model and resumes a run.
 *
 * @module
 */

import type * as tfl from "@tensorflow/tfjs-layers";
import { dirname, join } from "node:path";
import { fromJSON } from "../dsl/serialize.ts";
import type { Spec } from "../dsl/spec.ts";
import { WEIGHTED_OPS } from "./_spec_info.ts";
import { WeightsError } from "./errors.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type Safetensors,
  type TensorInput,
} from "./safetensors.ts";
import type { WeightMap, WeightTensor } from "./weight_map.ts";

/** The format tag in a checkpoint's metadata (`format`). */
export const CHECKPOINT_FORMAT = "graft.checkpoint/v2";

const SPEC_KEY = "graft.spec";
const TRAINING_KEY = "graft.training";
const WEIGHTS = "weights/";
const OPTIMIZER = "optimizer/";
const RESERVED = new Set(["format", SPEC_KEY, TRAINING_KEY]);

/**
 * The state of a training run as a checkpoint stores it: plain JSON (epoch, step, settings,
 * history, callbacks' state, as `train()` defines it) and the optimizer's tensors by slot name.
 *
 * @example
 * ```ts
 * import type { TrainingSnapshot } from "@graft/graft/weights";
 * const none: TrainingSnapshot = { state: { epoch: 0 }, optimizer: new Map() };
 * ```
 */
export interface TrainingSnapshot {
  /** JSON-serialisable run state. */
  readonly state: Readonly<Record<string, unknown>>;
  /** Optimizer slots (`<weight key>/momentum`, `<weight key>/m`, …). */
  readonly optimizer: WeightMap;
}

/**
 * A checkpoint's content: the spec, the model's weights (every weighted node, frozen ones and
 * BatchNorm statistics included), free string metadata, and the training state when a run
 * wrote it.
 *
 * @example
 * ```ts
 * import type { Checkpoint } from "@graft/graft/weights";
 * const describe = (c: Checkpoint) => `${c.spec.name}: ${c.weights.size} tensors`;
 * ```
 */
export interface Checkpoint {
  /** The spec the weights belong to. */
  readonly spec: Spec<string, string>;
  /** Weights by key (`features.0/kernel`). */
  readonly weights: WeightMap;
  /** String metadata saved with the weights (besides Graft's own keys). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The training run's state, when a run wrote the file. */
  readonly training?: TrainingSnapshot;
}

/**
 * Encodes a checkpoint as safetensors bytes.
 *
 * @example
 * ```ts
 * import { sequential, dense, flatten } from "@graft/graft/dsl";
 * import { decodeCheckpoint, encodeCheckpoint } from "@graft/graft/weights";
 * const spec = sequential("tiny", [1, 1, 2], { classifier: [flatten(), dense(1)] });
 * const weights = new Map([["classifier.1/bias", { shape: [1], data: new Float32Array([0.5]) }]]);
 * const bytes = encodeCheckpoint({ spec, weights, metadata: { note: "demo" } });
 * console.log(decodeCheckpoint(bytes).metadata.note); // "demo"
 * ```
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const bad = Object.keys(checkpoint.metadata).filter((k) => RESERVED.has(k));
  if (bad.length) {
    throw new WeightsError("Cannot write checkpoint", "metadata", [
      `keys ${bad.join(", ")} are Graft's own`,
    ]);
  }
  const tensors: Record<string, TensorInput> = {};
  const put = (prefix: string, map: WeightMap) => {
    for (const [k, t] of map) tensors[prefix + k] = { dtype: "F32", shape: t.shape, data: t.data };
  };
  put(WEIGHTS, checkpoint.weights);
  const metadata: Record<string, string> = {
    ...checkpoint.metadata,
    format: CHECKPOINT_FORMAT,
    [SPEC_KEY]: JSON.stringify(checkpoint.spec.toJSON()),
  };
  if (checkpoint.training) {
    put(OPTIMIZER, checkpoint.training.optimizer);
    metadata[TRAINING_KEY] = JSON.stringify(checkpoint.training.state);
  }
  return encodeSafetensors(tensors, metadata);
}

/**
 * Whether decoded safetensors are a Graft checkpoint (by its `format` metadata).
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, isCheckpoint } from "@graft/graft/weights";
 * console.log(isCheckpoint(decodeSafetensors(encodeSafetensors({}, { format: "pt" })))); // false
 * ```
 */
export function isCheckpoint(file: Safetensors): boolean {
  const format = file.metadata["format"];
  return format === CHECKPOINT_FORMAT || format === "graft.checkpoint/v1" ||
    file.metadata["graft.checkpoint"] !== undefined;
}

function parseJson(text: string, source: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeightsError("Cannot read checkpoint", source, [
      `metadata ${key} is not valid JSON: ${(e as Error).message}`,
    ]);
  }
}

/**
 * Reads a checkpoint out of decoded safetensors; errors name `source` and what is wrong.
 *
 * @example
 * ```ts ignore
 * import { checkpointFromSafetensors, readSafetensors } from "@graft/graft/weights";
 * const ckpt = checkpointFromSafetensors(await readSafetensors("last.safetensors"), "last");
 * ```
 */
export function checkpointFromSafetensors(file: Safetensors, source: string): Checkpoint {
  if (!isCheckpoint(file)) {
    throw new WeightsError("Cannot read checkpoint", source, [
      `not a Graft checkpoint (metadata format is ${file.metadata["format"] ?? "missing"})`,
    ]);
  }
  if (file.metadata["format"] !== CHECKPOINT_FORMAT) {
    throw new WeightsError("Cannot read checkpoint", source, [
      `written in an older Graft checkpoint format; expected ${CHECKPOINT_FORMAT} (load its ` +
      "weights with loadWeights and save it again)",
    ]);
  }
  const { format: _f, [SPEC_KEY]: specText, [TRAINING_KEY]: trainingText, ...metadata } =
    file.metadata;
  if (specText === undefined) {
    throw new WeightsError("Cannot read checkpoint", source, [`metadata ${SPEC_KEY} is missing`]);
  }
  let spec: Spec<string, string>;
  try {
    spec = fromJSON(parseJson(specText, source, SPEC_KEY));
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    throw new WeightsError("Cannot read checkpoint", source, [
      `metadata ${SPEC_KEY}: ${(e as Error).message}`,
    ]);
  }
  const weights = new Map<string, WeightTensor>();
  const optimizer = new Map<string, WeightTensor>();
  for (const [name, t] of Object.entries(file.tensors)) {
    if (name.startsWith(WEIGHTS)) weights.set(name.slice(WEIGHTS.length), t);
    else if (name.startsWith(OPTIMIZER)) optimizer.set(name.slice(OPTIMIZER.length), t);
    else {
      throw new WeightsError("Cannot read checkpoint", source, [
        `tensor ${name} is neither weights/… nor optimizer/…`,
      ]);
    }
  }
  let training: TrainingSnapshot | undefined;
  if (trainingText !== undefined) {
    const state = parseJson(trainingText, source, TRAINING_KEY);
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new WeightsError("Cannot read checkpoint", source, [
        `metadata ${TRAINING_KEY} is not a JSON object`,
      ]);
    }
    training = { state: state as Record<string, unknown>, optimizer };
  }
  return { spec, weights, metadata, ...(training ? { training } : {}) };
}

/**
 * Decodes checkpoint bytes (see {@linkcode encodeCheckpoint}).
 *
 * @example
 * ```ts ignore
 * import { decodeCheckpoint } from "@graft/graft/weights";
 * const ckpt = decodeCheckpoint(await Deno.readFile("last.safetensors"), "last.safetensors");
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, source = "<bytes>"): Checkpoint {
  return checkpointFromSafetensors(decodeSafetensors(bytes, source), source);
}

/**
 * The checkpoint file a path names: the file itself, or `last.safetensors` in the folder or in
 * its `checkpoints/` (a training run's folder).
 *
 * @example
 * ```ts ignore
 * import { findCheckpoint } from "@graft/graft/weights";
 * console.log(await findCheckpoint("runs/cifar10")); // runs/cifar10/checkpoints/last.safetensors
 * ```
 */
export async function findCheckpoint(path: string): Promise<string> {
  for (
    const c of [path, join(path, "last.safetensors"), join(path, "checkpoints", "last.safetensors")]
  ) {
    try {
      if ((await Deno.stat(c)).isFile) return c;
    } catch {
      // try the next one
    }
  }
  throw new WeightsError("Cannot read checkpoint", path, [
    "not a checkpoint file, and it holds no last.safetensors or checkpoints/last.safetensors",
  ]);
}

/**
 * Reads a checkpoint: a file, or a folder (or run folder) holding `last.safetensors`.
 *
 * @example
 * ```ts ignore
 * import { build } from "@graft/graft/compile";
 * import { loadWeights, readCheckpoint } from "@graft/graft/weights";
 * const ckpt = await readCheckpoint("runs/pretrain/checkpoints/best.safetensors");
 * const model = build(ckpt.spec);
 * await loadWeights(model, ckpt.spec, ckpt.weights);
 * ```
 */
export async function readCheckpoint(
  path: string,
): Promise<Checkpoint & { readonly path: string }> {
  const file = await findCheckpoint(path);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new WeightsError("Cannot read checkpoint", file, [(e as Error).message]);
  }
  return { ...decodeCheckpoint(bytes, file), path: file };
}

/**
 * Reads a built model's weights from the device (asynchronously: no synchronous GPU
 * readback), keyed by `<path>/<name>` (`features.0/kernel`) in Graft's layout. Covers every
 * weighted node of `spec`, trainable or frozen, BatchNorm statistics included. The arrays are
 * copies.
 *
 * @example
 * ```ts ignore
 * import { collectWeights } from "@graft/graft/weights";
 * const weights = await collectWeights(model, spec);
 * console.log([...weights.keys()].slice(0, 2)); // ["features.0/kernel", "features.0/bias"]
 * ```
 */
export async function collectWeights(
  model: tfl.LayersModel,
  spec: Spec,
): Promise<Map<string, WeightTensor>> {
  return await readModelWeights(model, spec, true);
}

/** {@linkcode collectWeights}, without copying where the backend's arrays can be used as is. */
async function readModelWeights(
  model: tfl.LayersModel,
  spec: Spec,
  copy: boolean,
): Promise<Map<string, WeightTensor>> {
  const entries: { key: string; value: ReturnType<tfl.LayerVariable["read"]> }[] = [];
  for (const node of spec.toJSON().nodes) {
    if (!WEIGHTED_OPS.has(node.op)) continue;
    for (const v of model.getLayer(node.path).weights) {
      const name = v.name.slice(v.name.lastIndexOf("/") + 1).replace(/_\d+$/, "");
      entries.push({ key: `${node.path}/${name}`, value: v.read() });
    }
  }
  const data = await Promise.all(entries.map((e) => e.value.data<"float32">()));
  return new Map(entries.map((e, i) => [e.key, {
    shape: [...e.value.shape],
    data: copy ? data[i]!.slice() : data[i]!,
  }]));
}

/** Options of {@linkcode saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Free string metadata to keep with the weights. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The training run's state (written by `train()`'s checkpoints). */
  readonly training?: TrainingSnapshot;
  /** Refuse to write a file with a NaN or infinite weight. Default: true. */
  readonly requireFinite?: boolean;
}

/**
 * Saves a model as a Graft checkpoint file: every weighted node's tensors (read asynchronously
 * from the device), the spec, and optional metadata and training state. The file is written
 * under a temporary name and renamed into place, so a kill leaves the old file or the new one;
 * a weight that is NaN or infinite is refused by name and nothing is written. Load it with
 * `loadWeights(model, spec, path)` or read it with {@linkcode readCheckpoint}.
 *
 * @example
 * ```ts ignore
 * import { saveCheckpoint } from "@graft/graft/weights";
 * await saveCheckpoint("runs/pretrain.safetensors", model, spec, { metadata: { epoch: "3" } });
 * ```
 */
export async function saveCheckpoint(
  path: string,
  model: tfl.LayersModel,
  spec: Spec,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const weights = await readModelWeights(model, spec, false);
  if (options.requireFinite ?? true) {
    const bad = [...weights].filter(([, t]) => !allFinite(t.data)).map(([k]) => k);
    if (bad.length) {
      throw new WeightsError("Cannot write checkpoint", path, [
        `${bad.join(", ")} ${bad.length === 1 ? "holds" : "hold"} NaN or infinite values`,
      ]);
    }
  }
  const bytes = encodeCheckpoint({
    spec: spec as Spec<string, string>,
    weights,
    metadata: options.metadata ?? {},
    ...(options.training ? { training: options.training } : {}),
  });
  await writeAtomic(path, bytes);
}

/** Whether every value is finite. */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) return false;
  }
  return true;
}

/** Writes to a temporary file beside `path`, then renames it; removes the temporary on failure. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path) || ".", { recursive: true });
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new WeightsError("Cannot write checkpoint", path, [(e as Error).message]);
  }
}
