/**
 * What the CPU benchmarks time: Graft's own `train()` (the step and the optimizer users get:
 * SGD, lr 0.001, momentum 0.9, cross-entropy) on a synthetic CIFAR-sized dataset, one epoch of
 * exactly the steps asked for.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { build } from "../../compile/mod.ts";
import { arrayDataset, type Dataset, Rng } from "../../data/mod.ts";
import { type Callback, train } from "../../train/mod.ts";
import { type BenchModel, benchSpec } from "./_models.ts";

/** Hooks a profiler uses to see inside a step. */
export interface StepHooks {
  /** Wraps the dataset (to time batch assembly). */
  readonly dataset?: (ds: Dataset) => Dataset;
  /** Wraps the model (to time the forward pass). */
  readonly model?: (model: tfl.LayersModel) => tfl.LayersModel;
  /** Called at the end of every step with its number (1-based). */
  readonly onStepEnd?: (step: number) => void;
}

/** Wall-clock end time (`performance.now()`) of every step, in order. */
export interface TrainRun {
  readonly stepEnds: readonly number[];
  /** When `train()` was called. */
  readonly started: number;
  readonly lastLoss: number;
}

/**
 * Trains `model` for `steps` steps of `batch` synthetic images through `train()`.
 *
 * @example
 * ```ts ignore
 * const run = await trainSteps("small_cnn", 8, 3);
 * ```
 */
export async function trainSteps(
  model: BenchModel,
  batch: number,
  steps: number,
  hooks: StepHooks = {},
): Promise<TrainRun> {
  const spec = benchSpec(model);
  const net = build(spec, { seed: 0 });
  const size = batch * steps;
  const rng = new Rng(1);
  const x = Float32Array.from({ length: size * 32 * 32 * 3 }, () => rng.next());
  const labels = Int32Array.from({ length: size }, (_, i) => i % 10);
  const data = arrayDataset(x, labels, [32, 32, 3], 10);
  const stepEnds: number[] = [];
  let lastLoss = NaN;
  const timer: Callback = {
    onBatchEnd(e) {
      stepEnds.push(performance.now());
      lastLoss = e.loss;
      hooks.onStepEnd?.(e.step);
    },
  };
  const started = performance.now();
  await train(hooks.model ? hooks.model(net) : net, spec, {
    train: hooks.dataset ? hooks.dataset(data) : data,
    epochs: 1,
    batchSize: batch,
    augment: false,
    optimizer: { type: "sgd", lr: 0.001, momentum: 0.9 },
    callbacks: [timer],
  });
  return { stepEnds, started, lastLoss };
}
