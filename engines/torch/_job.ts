// The job file the Python trainer reads, and the data and weights files beside it.
import { join } from "node:path";
import { CIFAR10_MEAN, CIFAR10_STD, CifarSplit, type Dataset } from "../../data/mod.ts";
import type { Spec } from "../../dsl/mod.ts";
import { resolveRates } from "../../train/optimizers.ts";
import { scheduleFactor } from "../../train/schedules.ts";
import type { Monitor, OptimizerConfig, Schedule } from "../../train/config.ts";
import { optimizerSchema, scheduleSchema, schemaProblems } from "../../train/_schemas.ts";
import { encodeSafetensors, type TensorInput } from "../../weights/safetensors.ts";
import type { WeightMap } from "../../weights/weight_map.ts";
import { describeTorch, type TorchModuleDescription } from "./describe.ts";
import { EngineError } from "./errors.ts";

/** Training data for the engine: a CIFAR split (augmented there when asked) or any dataset. */
export type TorchData = CifarSplit | Dataset;

/**
 * The training settings of a torch-engine job (those of `train()`, plus the engine's own).
 *
 * @example
 * ```ts
 * import type { JobSettings } from "@graft/graft/engines/torch";
 * const s: JobSettings = { epochs: 2, batchSize: 64, device: "cpu" };
 * ```
 */
export interface JobSettings {
  /** The last epoch to train. */
  readonly epochs: number;
  /** Images per update (the global batch under torchrun). Default 64. */
  readonly batchSize?: number;
  /** Default: SGD, lr 0.001, momentum 0.9. */
  readonly optimizer?: OptimizerConfig;
  /** Default: constant. */
  readonly schedule?: Schedule;
  /** Label smoothing of the cross-entropy. Default 0. */
  readonly labelSmoothing?: number;
  /** Seed of shuffling and augmentation. Default 0. */
  readonly seed?: number;
  /** Augment CIFAR splits (crop and flip). Default true. */
  readonly augment?: boolean;
  /**
   * Resize the images of CIFAR splits to `[height, width]` (or a square side) after augmentation
   * and normalisation, per batch in the engine, as `cifarDataset`'s `resize` does (torchvision's
   * bilinear `Resize`). Default: none (32×32).
   */
  readonly resize?: number | readonly [number, number];
  /** Images per forward pass when evaluating. Default 256. */
  readonly evaluateBatchSize?: number;
  /** Early stopping done by the engine itself (exported folders; Deno runs callbacks). */
  readonly earlyStopping?: {
    readonly monitor?: Monitor;
    readonly patience?: number;
    readonly minDelta?: number;
    readonly restoreBestWeights?: boolean;
  };
  /** Checkpoints written by the engine itself (exported folders). */
  readonly checkpoints?: { readonly dir: string; readonly monitor?: Monitor };
  /** SyncBatchNorm under torchrun (CUDA only on PyTorch 1.13). Default false. */
  readonly syncBatchNorm?: boolean;
  /** Default auto: CUDA when available, else CPU. */
  readonly device?: "auto" | "cpu" | "cuda";
  /** PyTorch's CPU threads. Default: PyTorch's own. */
  readonly threads?: number;
  /** Limit of the rendezvous and collectives, in seconds. Default 1800. */
  readonly timeoutSeconds?: number;
}

/** The job file's content (see engines/torch/python/train.py). */
export interface Job {
  readonly format: "graft.torch-job/v1";
  readonly module: TorchModuleDescription;
  readonly spec: unknown;
  readonly data: {
    readonly train: string;
    readonly validation: string | null;
    readonly test: string | null;
    readonly augment: boolean;
    readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
    /** `[height, width]` of the images after the resize, or null for none. */
    readonly resize: readonly [number, number] | null;
  };
  readonly train: Record<string, unknown>;
  readonly checkpoints: { readonly dir: string; readonly monitor: Monitor | null } | null;
  readonly initialWeights: string | null;
  readonly finalWeights: string | null;
  readonly resume: string | null;
  readonly device: string;
  readonly threads: number | null;
  readonly timeoutSeconds: number;
  /** Wait for Deno's answer after each epoch and at the end (callbacks drive the run). */
  readonly handshake?: boolean;
  /** With `handshake`, also wait for Deno's answer after each batch (onBatchEnd callbacks). */
  readonly batchHandshake?: boolean;
  /** This machine's `--node-rank` under torchrun: local rank 0 of node 0 reports. */
  readonly nodeRank?: number | null;
}

const DEFAULT_OPTIMIZER: OptimizerConfig = { type: "sgd", lr: 0.001, momentum: 0.9 };

/** The split as the safetensors file train.py reads: CIFAR pixels, or float images NHWC. */
export function encodeSplit(data: TorchData): Uint8Array {
  if (data instanceof CifarSplit) {
    const n = data.size;
    return encodeSafetensors({
      pixels: { dtype: "U8", shape: [n, 3, 32, 32], data: data.pixels },
      labels: { dtype: "U8", shape: [n], data: data.labels },
    } as Record<string, TensorInput>);
  }
  const all = new Uint32Array(data.size).map((_, i) => i);
  const b = data.batch(all);
  return encodeSafetensors({
    x: { dtype: "F32", shape: [data.size, ...data.shape], data: b.x },
    labels: { dtype: "I32", shape: [data.size], data: b.labels },
  });
}

/** Builds the job (without writing anything); throws an EngineError listing every problem. */
export function makeJob(
  spec: Spec,
  s: JobSettings,
  files: {
    train: string;
    trainSize: number;
    validation: string | null;
    test: string | null;
    initialWeights: string | null;
    finalWeights: string | null;
    resume: string | null;
  },
): Job {
  const problems: string[] = [];
  const optimizer = s.optimizer ?? DEFAULT_OPTIMIZER;
  const schedule = s.schedule ?? { type: "constant" };
  const o = optimizerSchema.safeParse(optimizer);
  if (!o.success) problems.push(...schemaProblems("optimizer", o.error, optimizer));
  const sc = scheduleSchema.safeParse(schedule);
  if (!sc.success) problems.push(...schemaProblems("schedule", sc.error, schedule));
  const module = describeTorch(spec);
  const groups = [
    ...new Set(
      module.nodes
        .filter((n) => n.trainable && n.weights.some((w) => !w.torch.startsWith("running_")))
        .map((n) => n.group),
    ),
  ];
  const known = [...new Set(module.nodes.map((n) => n.group))];
  const { rates, problems: lrProblems } = resolveRates(optimizer.lr, groups, known);
  problems.push(...lrProblems);
  if (groups.length === 0) {
    problems.push("the model has no trainable weights (everything is frozen)");
  }
  const resize = typeof s.resize === "number" ? [s.resize, s.resize] as const : s.resize ?? null;
  if (resize && !resize.every((v) => Number.isInteger(v) && v >= 1)) {
    problems.push(`resize: expected positive integers, got [${resize}]`);
  }
  const batchSize = s.batchSize ?? 64;
  if (!(Number.isInteger(s.epochs) && s.epochs >= 1)) {
    problems.push(`epochs must be an integer >= 1, got ${s.epochs}`);
  }
  if (problems.length) throw new EngineError("Cannot train with the torch engine", problems);
  const stepsPerEpoch = Math.ceil(files.trainSize / batchSize);
  const totalSteps = stepsPerEpoch * s.epochs;
  const lrFactors = Array.from(
    { length: totalSteps },
    (_, step) => scheduleFactor(schedule, step, totalSteps, stepsPerEpoch),
  );
  return {
    format: "graft.torch-job/v1",
    module,
    spec: spec.toJSON(),
    data: {
      train: files.train,
      validation: files.validation,
      test: files.test,
      augment: s.augment ?? true,
      normalize: { mean: CIFAR10_MEAN, std: CIFAR10_STD },
      resize,
    },
    train: {
      epochs: s.epochs,
      batchSize,
      seed: s.seed ?? 0,
      labelSmoothing: s.labelSmoothing ?? 0,
      optimizer,
      schedule,
      rates,
      lrFactors,
      evaluateBatchSize: s.evaluateBatchSize ?? 256,
      earlyStopping: s.earlyStopping
        ? {
          monitor: s.earlyStopping.monitor ?? "valLoss",
          patience: s.earlyStopping.patience ?? 3,
          minDelta: s.earlyStopping.minDelta ?? 0,
          restoreBestWeights: s.earlyStopping.restoreBestWeights ?? true,
        }
        : null,
      syncBatchNorm: s.syncBatchNorm ?? false,
    },
    checkpoints: s.checkpoints
      ? { dir: s.checkpoints.dir, monitor: s.checkpoints.monitor ?? null }
      : null,
    initialWeights: files.initialWeights,
    finalWeights: files.finalWeights,
    resume: files.resume,
    device: s.device ?? "auto",
    threads: s.threads ?? null,
    timeoutSeconds: s.timeoutSeconds ?? 1800,
  };
}

/** Writes bytes to `path` through a temporary file and a rename. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Writes Graft-layout weights as the engine's initial weights. */
export async function writeWeights(path: string, weights: WeightMap): Promise<void> {
  const tensors: Record<string, TensorInput> = {};
  for (const [k, t] of weights) tensors[k] = { dtype: "F32", shape: t.shape, data: t.data };
  await writeAtomic(path, encodeSafetensors(tensors));
}

/** Writes the job file. */
export async function writeJob(dir: string, job: Job): Promise<string> {
  const path = join(dir, "job.json");
  await writeAtomic(path, new TextEncoder().encode(JSON.stringify(job) + "\n"));
  return path;
}
