import { join } from "node:path";
import type { SpecData } from "../dsl/mod.ts";
import { readSafetensors, type TensorInput, writeSafetensors } from "../weights/mod.ts";
import { TrainError } from "./errors.ts";
import type { EpochEndEvent } from "./events.ts";
import type { OptimizerConfig, OptimizerState } from "./optimizers.ts";
import type { Schedule } from "./schedules.ts";

/**
 * Everything a checkpoint holds besides tensors (stored as JSON in the safetensors metadata).
 *
 * @example
 * ```ts
 * import type { CheckpointInfo } from "@graft/graft/train";
 * const show = (c: CheckpointInfo) => console.log(`epoch ${c.epoch} of ${c.epochs}`);
 * ```
 */
export interface CheckpointInfo {
  /** Format tag. */
  readonly format: "graft.checkpoint/v1";
  /** The spec of the model. */
  readonly spec: SpecData;
  /** Epochs completed. */
  readonly epoch: number;
  /** Epochs the run was asked for. */
  readonly epochs: number;
  /** Updates done. */
  readonly step: number;
  /** State of the data generator (shuffling, augmentation) after `epoch`. */
  readonly rng: readonly number[];
  /** The seed the run started from. */
  readonly seed: number;
  /** Images per update. */
  readonly batchSize: number;
  /** The optimizer settings. */
  readonly optimizer: OptimizerConfig;
  /** The schedule. */
  readonly schedule: Schedule;
  /** Label smoothing of the loss. */
  readonly labelSmoothing: number;
  /** Metrics of every completed epoch. */
  readonly history: readonly EpochEndEvent[];
}

/**
 * A checkpoint read back: its info, the model weights and the optimizer state.
 *
 * @example
 * ```ts
 * import type { Checkpoint } from "@graft/graft/train";
 * const count = (c: Checkpoint) => c.weights.size;
 * ```
 */
export interface Checkpoint {
  /** Everything but tensors. */
  readonly info: CheckpointInfo;
  /** Model weights by key (`features.0/kernel`). */
  readonly weights: ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
  /** Optimizer step count and slots. */
  readonly optimizer: OptimizerState;
}

const META_KEY = "graft.checkpoint";

/**
 * Writes a checkpoint atomically (a temporary file, then a rename) as safetensors: tensors
 * `weights/<key>` and `optimizer/<slot>`, the rest as JSON metadata.
 *
 * @example
 * ```ts ignore
 * import { writeCheckpoint } from "@graft/graft/train";
 * await writeCheckpoint("run/checkpoints/last.safetensors", checkpoint);
 * ```
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tensors: Record<string, TensorInput> = {};
  for (const [k, v] of checkpoint.weights) tensors[`weights/${k}`] = v;
  for (const [k, v] of checkpoint.optimizer.slots) tensors[`optimizer/${k}`] = v;
  const info = { ...checkpoint.info, optimizerStep: checkpoint.optimizer.step };
  await writeSafetensors(path, tensors, { [META_KEY]: JSON.stringify(info) });
}

/**
 * The checkpoint file a path names: the file itself, or `last.safetensors` in the folder or in
 * its `checkpoints/` (a run folder).
 *
 * @example
 * ```ts ignore
 * import { findCheckpoint } from "@graft/graft/train";
 * console.log(await findCheckpoint("runs/cifar10")); // runs/cifar10/checkpoints/last.safetensors
 * ```
 */
export async function findCheckpoint(path: string): Promise<string> {
  const candidates = [
    path,
    join(path, "last.safetensors"),
    join(path, "checkpoints", "last.safetensors"),
  ];
  for (const c of candidates) {
    try {
      if ((await Deno.stat(c)).isFile) return c;
    } catch {
      // try the next one
    }
  }
  throw new TrainError("Cannot resume", [
    `${path} is not a checkpoint and holds no last.safetensors or checkpoints/last.safetensors`,
  ]);
}

/**
 * Reads a checkpoint written by {@linkcode writeCheckpoint} (a file, a folder or a run folder).
 *
 * @example
 * ```ts ignore
 * import { readCheckpoint } from "@graft/graft/train";
 * const ckpt = await readCheckpoint("runs/cifar10");
 * console.log(ckpt.info.epoch);
 * ```
 */
export async function readCheckpoint(path: string): Promise<Checkpoint & { path: string }> {
  const file = await findCheckpoint(path);
  const st = await readSafetensors(file);
  const raw = st.metadata[META_KEY];
  if (raw === undefined) {
    throw new TrainError("Cannot resume", [
      `${file} has no ${META_KEY} metadata: not a Graft checkpoint`,
    ]);
  }
  let parsed: CheckpointInfo & { optimizerStep: number };
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new TrainError("Cannot resume", [
      `${file} has damaged ${META_KEY} metadata (${(e as Error).message})`,
    ]);
  }
  const damaged = damagedFields(parsed);
  if (damaged.length) {
    throw new TrainError("Cannot resume", [
      `${file} has damaged ${META_KEY} metadata: ${
        damaged.join(", ")
      } missing or of the wrong type`,
    ]);
  }
  if (parsed.format !== "graft.checkpoint/v1") {
    throw new TrainError("Cannot resume", [
      `${file} has format ${parsed.format}, expected graft.checkpoint/v1`,
    ]);
  }
  const { optimizerStep, ...info } = parsed;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(st.tensors)) {
    const value = { shape: [...t.shape], data: t.data };
    if (name.startsWith("weights/")) weights.set(name.slice(8), value);
    else if (name.startsWith("optimizer/")) slots.set(name.slice(10), value);
  }
  return { path: file, info, weights, optimizer: { step: optimizerStep, slots } };
}

/** The metadata fields that are missing or of the wrong type (a damaged file). */
function damagedFields(v: unknown): string[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return ["the whole object"];
  const o = v as Record<string, unknown>;
  const count = (k: string) => Number.isInteger(o[k]) && (o[k] as number) >= 0;
  const checks: [string, boolean][] = [
    ["format", typeof o.format === "string"],
    ["spec", typeof o.spec === "object" && o.spec !== null],
    ["epoch", count("epoch")],
    ["epochs", count("epochs")],
    ["step", count("step")],
    ["optimizerStep", count("optimizerStep")],
    ["seed", count("seed")],
    ["batchSize", count("batchSize")],
    ["rng", Array.isArray(o.rng) && o.rng.every((x) => typeof x === "number")],
    ["history", Array.isArray(o.history) && o.history.every((h) => typeof h === "object" && h)],
    ["optimizer", typeof o.optimizer === "object" && o.optimizer !== null],
    ["schedule", typeof o.schedule === "object" && o.schedule !== null],
    ["labelSmoothing", typeof o.labelSmoothing === "number"],
  ];
  return checks.filter(([, ok]) => !ok).map(([k]) => k);
}
