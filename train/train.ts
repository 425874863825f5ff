import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { ensureBackend } from "../backends/mod.ts";
import { groupOf, type Spec } from "../dsl/mod.ts";
import { type Dataset, Rng } from "../data/mod.ts";
import { saveCheckpoint, WeightsError } from "../weights/mod.ts";
import { TrainError } from "./errors.ts";
import type { Callback, EpochEndEvent, TrainContext } from "./events.ts";
import { evaluate, type Evaluation } from "./evaluate.ts";
import { Optimizer, resolveRates } from "./optimizers.ts";
import { type ModelWeight, modelWeights } from "./params.ts";
import { scheduleFactor } from "./schedules.ts";
import type { OptimizerConfig, Schedule } from "./config.ts";
import { optimizerSchema, scheduleSchema, schemaProblems } from "./_schemas.ts";
import type { TrainSettings } from "./state.ts";
import { runEpoch } from "./_epoch.ts";
import { cpuBackend } from "./_in_place.ts";
import { resumeFrom, snapshot } from "./_resume.ts";
import { nonFinite } from "./_finite.ts";

/**
 * Options of {@linkcode train}.
 *
 * @example
 * ```ts
 * import type { TrainOptions } from "@graft/graft/train";
 * import { arrayDataset } from "@graft/graft/data";
 * const data = arrayDataset(new Float32Array(8 * 16), new Int32Array(8), [4, 4, 1], 2);
 * const options: TrainOptions = {
 *   train: data,
 *   epochs: 3,
 *   batchSize: 4,
 *   optimizer: { type: "sgd", lr: { features: 1e-4, classifier: 1e-2 }, momentum: 0.9 },
 *   schedule: { type: "cosine" },
 * };
 * ```
 */
export interface TrainOptions {
  /** The training images. */
  readonly train: Dataset;
  /** Evaluated after every epoch and at the end (its metrics go to `onEpochEnd`). */
  readonly validation?: Dataset;
  /** The last epoch to train (when resuming, training continues up to it). */
  readonly epochs: number;
  /** Images per update. Default: 64. */
  readonly batchSize?: number;
  /** Default: SGD, lr 0.001, momentum 0.9 (the seed recipe). */
  readonly optimizer?: OptimizerConfig;
  /** Default: constant. */
  readonly schedule?: Schedule;
  /** Label smoothing of the cross-entropy (0 to 1). Default: 0. */
  readonly labelSmoothing?: number;
  /** Seeds shuffling and augmentation. Default: 0. */
  readonly seed?: number;
  /** Apply the dataset's augmentation to training batches. Default: true. */
  readonly augment?: boolean;
  /** Called in order at each event. */
  readonly callbacks?: readonly Callback[];
  /** A checkpoint file, a folder with `last.safetensors`, or a run folder to continue from. */
  readonly resume?: string;
  /** Images per forward pass when evaluating. Default: 256. */
  readonly evaluateBatchSize?: number;
  /**
   * Steps between two reads of the loss and accuracy from the device (they are read together,
   * asynchronously; `onBatchEnd` events arrive then). Default: 1 on the CPU backends, where a
   * read costs nothing, 8 elsewhere.
   */
  readonly readbackEvery?: number;
}

/**
 * What {@linkcode train} returns.
 *
 * @example
 * ```ts
 * import type { TrainResult } from "@graft/graft/train";
 * const show = (r: TrainResult) => console.log(r.epoch, r.evaluation?.top1);
 * ```
 */
export interface TrainResult {
  /** The trained model. */
  readonly model: tfl.LayersModel;
  /** The last completed epoch. */
  readonly epoch: number;
  /** Updates done. */
  readonly step: number;
  /** Metrics of every completed epoch. */
  readonly history: readonly EpochEndEvent[];
  /** Whether a callback stopped training early, and why. */
  readonly stopped: boolean;
  /** The reason given to `ctx.stop()`. */
  readonly reason?: string;
  /** The final evaluation on `validation` (after callbacks such as early stopping ran). */
  readonly evaluation?: Evaluation;
}

const DEFAULT_OPTIMIZER: OptimizerConfig = { type: "sgd", lr: 0.001, momentum: 0.9 };

function checkOptions(o: TrainOptions, spec: Spec): string[] {
  const problems: string[] = [];
  const int = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      problems.push(`${name} must be an integer >= ${min}, got ${v}`);
    }
  };
  int("epochs", o.epochs, 1);
  int("batchSize", o.batchSize, 1);
  int("seed", o.seed, 0);
  int("readbackEvery", o.readbackEvery, 1);
  if (o.labelSmoothing !== undefined && !(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) {
    problems.push(`labelSmoothing must be in [0, 1), got ${o.labelSmoothing}`);
  }
  if (o.train.size < 1) problems.push("train has no images");
  // An empty validation set would score NaN after the first epoch: said now, by name.
  if (o.validation && o.validation.size < 1) {
    problems.push("validation has no images (leave validation out to train without one)");
  }
  const shape = spec.inputShape.join(",");
  for (const [name, ds] of [["train", o.train], ["validation", o.validation]] as const) {
    if (ds && ds.shape.join(",") !== shape) {
      problems.push(`${name} images are [${ds.shape}] but the model takes [${spec.inputShape}]`);
    }
  }
  const optimizer = optimizerSchema.safeParse(o.optimizer ?? DEFAULT_OPTIMIZER);
  if (!optimizer.success) {
    problems.push(...schemaProblems("optimizer", optimizer.error, o.optimizer));
  }
  const schedule = scheduleSchema.safeParse(o.schedule ?? { type: "constant" });
  if (!schedule.success) problems.push(...schemaProblems("schedule", schedule.error, o.schedule));
  return problems;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Weights that training can change: every weight of a trainable layer (BatchNorm statistics too). */
function mutableWeights(model: tfl.LayersModel, weights: readonly ModelWeight[]): ModelWeight[] {
  const live = new Set<tf.Variable>();
  for (const layer of model.layers) {
    if (layer.trainable) { for (const w of layer.weights) live.add(w.read() as tf.Variable); }
  }
  return weights.filter((w) => live.has(w.variable));
}

/**
 * Trains a built model: a custom loop that computes gradients of the cross-entropy for the
 * trainable weights only ({@linkcode trainStep}) and updates them with the chosen optimizer,
 * per-group learning rates and per-step schedule; frozen weights are never written. Batches are
 * prepared and uploaded one step ahead, and the loss and accuracy are read back asynchronously
 * every few steps, so the loop runs on every backend (WebGPU included) without stalling the
 * device. Evaluates on `validation` each epoch, calls the typed callbacks, resumes from a
 * checkpoint, and stops with a {@linkcode TrainError} naming the epoch, step and last good
 * checkpoint if the loss, the validation loss or a weight turns NaN or infinite.
 *
 * Build the model first (`build(spec)`, or `buildWithWeights(spec)` for pretrained weights)
 * and choose the backend before (`useBackend`).
 *
 * @example A tiny model on generated data
 * ```ts
 * import { build } from "@graft/graft/compile";
 * import { conv2d, dense, flatten, relu, sequential } from "@graft/graft/dsl";
 * import { arrayDataset } from "@graft/graft/data";
 * import { train } from "@graft/graft/train";
 * const spec = sequential("tiny", [4, 4, 1], {
 *   features: [conv2d(2, 3, { padding: 1 }), relu()],
 *   classifier: [flatten(), dense(2)],
 * }).freeze("features");
 * const x = Float32Array.from({ length: 8 * 16 }, (_, i) => (i % 16) / 16);
 * const data = arrayDataset(x, new Int32Array([0, 1, 0, 1, 0, 1, 0, 1]), [4, 4, 1], 2);
 * const result = await train(build(spec, { seed: 0 }), spec, {
 *   train: data,
 *   epochs: 2,
 *   batchSize: 4,
 *   optimizer: { type: "adam", lr: 0.01 },
 * });
 * console.log(result.history.length); // 2
 * ```
 */
export async function train(
  model: tfl.LayersModel,
  spec: Spec,
  options: TrainOptions,
): Promise<TrainResult> {
  await ensureBackend();
  const problems = checkOptions(options, spec);
  const optimizerConfig = options.optimizer ?? DEFAULT_OPTIMIZER;
  const schedule = options.schedule ?? { type: "constant" };
  const weights = modelWeights(model);
  const params = weights.filter((w) => w.trainable);
  const groups = [...new Set(params.map((p) => p.group))];
  const knownGroups = [...new Set(spec.nodes.map((n) => groupOf(n.path)))];
  const { rates, problems: lrProblems } = resolveRates(optimizerConfig.lr, groups, knownGroups);
  problems.push(...lrProblems);
  if (params.length === 0) {
    problems.push("the model has no trainable weights (everything is frozen)");
  }
  if (problems.length) throw new TrainError("Cannot train", problems);

  const data = options.train;
  const settings: TrainSettings = {
    epochs: options.epochs,
    seed: options.seed ?? 0,
    batchSize: options.batchSize ?? 64,
    trainSize: data.size,
    optimizer: optimizerConfig,
    schedule,
    labelSmoothing: options.labelSmoothing ?? 0,
  };
  const { batchSize, labelSmoothing } = settings;
  const augment = options.augment ?? true;
  const callbacks = options.callbacks ?? [];
  const readEvery = options.readbackEvery ?? (cpuBackend() ? 1 : 8);
  const stepsPerEpoch = Math.ceil(data.size / batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const optimizer = new Optimizer(optimizerConfig, params);
  const mutable = mutableWeights(model, weights);

  let rng = new Rng(settings.seed);
  let epochDone = 0;
  let step = 0;
  let rngAtEpoch = rng.state();
  const history: EpochEndEvent[] = [];
  let resumedFrom: string | undefined;
  if (options.resume !== undefined) {
    const r = await resumeFrom(options.resume, spec, settings, weights, optimizer, callbacks);
    rng = Rng.fromState(r.state.rng);
    rngAtEpoch = rng.state();
    epochDone = r.state.epoch;
    step = r.state.step;
    history.push(...r.state.history);
    resumedFrom = r.file;
  }

  let stopReason: string | undefined;
  let lastCheckpoint: string | undefined;
  let weightsChanged = true;
  const lastGood = () =>
    lastCheckpoint
      ? `the last good checkpoint is ${lastCheckpoint}`
      : "no checkpoint was written before it";
  const ctx: TrainContext = {
    model,
    spec,
    stop(reason: string) {
      stopReason ??= reason;
    },
    get stopping() {
      return stopReason !== undefined;
    },
    async getWeights() {
      const values = await Promise.all(weights.map((w) => w.variable.data<"float32">()));
      return new Map(weights.map((w, i) => [w.key, values[i]!.slice()]));
    },
    setWeights(values) {
      for (const w of weights) {
        const v = values.get(w.key);
        if (!v) continue;
        tf.tidy(() => w.variable.assign(tf.tensor(v, w.variable.shape, "float32")));
      }
      weightsChanged = true;
    },
    async saveCheckpoint(path: string) {
      const training = await snapshot(
        { epoch: epochDone, step, rng: rngAtEpoch, settings, history },
        optimizer,
        callbacks,
      );
      try {
        await saveCheckpoint(path, model, spec, { training });
      } catch (e) {
        if (!(e instanceof WeightsError)) throw e;
        throw new TrainError("Training stopped", [e.message, lastGood()], 1);
      }
      lastCheckpoint = path;
      return path;
    },
    get lastCheckpoint() {
      return lastCheckpoint;
    },
  };
  const emit = async <K extends keyof Callback>(
    name: K,
    event: Parameters<Extract<NonNullable<Callback[K]>, (...a: never[]) => unknown>>[0],
  ) => {
    for (const cb of callbacks) {
      const fn = cb[name] as ((e: typeof event, c: TrainContext) => unknown) | undefined;
      if (typeof fn === "function") await fn.call(cb, event, ctx);
    }
  };
  const lrAt = (s: number) => {
    const f = scheduleFactor(schedule, s, totalSteps, stepsPerEpoch);
    return Object.fromEntries(groups.map((g) => [g, rates[g]! * f]));
  };
  const evaluateOptions = options.evaluateBatchSize === undefined
    ? {}
    : { batchSize: options.evaluateBatchSize };

  const trainableParams = params.reduce((n, p) => n + size(p.variable.shape), 0);
  const allParams = weights.reduce((n, p) => n + size(p.variable.shape), 0);
  const started = performance.now();
  await emit("onTrainBegin", {
    startEpoch: epochDone + 1,
    epochs: options.epochs,
    stepsPerEpoch,
    totalSteps,
    trainSize: data.size,
    validationSize: options.validation?.size ?? 0,
    batchSize,
    trainableParams,
    frozenParams: allParams - trainableParams,
    lr: rates,
    ...(resumedFrom ? { resumedFrom } : {}),
  });

  let lastEval: Evaluation | undefined;
  try {
    for (let epoch = epochDone + 1; epoch <= options.epochs && !ctx.stopping; epoch++) {
      const epochStart = performance.now();
      await emit("onEpochBegin", { epoch, epochs: options.epochs, step, lr: lrAt(step) });
      const run = await runEpoch({
        model,
        optimizer,
        data,
        order: rng.permutation(data.size),
        ...(augment ? { rng } : {}),
        batchSize,
        labelSmoothing,
        readEvery,
        epoch,
        stepsPerEpoch,
        startStep: step,
        epochStart,
        lrAt,
        onBatchEnd: (e) => emit("onBatchEnd", e),
        stopping: () => ctx.stopping,
        lastGood,
      });
      if (run.batches > 0) weightsChanged = true;
      step = run.step;
      const { lossSum, correctSum, seen, trainMs, dataWaitMs, lr } = run;
      if (run.batches < stepsPerEpoch) break; // stopped within the epoch: it does not count
      epochDone = epoch;
      rngAtEpoch = rng.state();
      const bad = await nonFinite(mutable);
      if (bad.length) {
        throw new TrainError("Training stopped", [
          `${bad.join(", ")} ${bad.length === 1 ? "holds" : "hold"} NaN or infinite values ` +
          `after epoch ${epoch}, step ${step}`,
          lastGood(),
        ], 1);
      }
      let val: Evaluation | undefined;
      if (options.validation) {
        const valStart = performance.now();
        val = await evaluate(model, options.validation, {
          ...evaluateOptions,
          onBatch: (done, total) => {
            const e = { epoch, done, total, elapsedMs: performance.now() - valStart };
            for (const cb of callbacks) cb.onValidationBatchEnd?.(e, ctx);
          },
        });
        lastEval = val;
        weightsChanged = false;
        if (!Number.isFinite(val.loss)) {
          throw new TrainError("Training stopped", [
            `the validation loss is ${val.loss} after epoch ${epoch}, step ${step}`,
            lastGood(),
          ], 1);
        }
      }
      const event: EpochEndEvent = {
        epoch,
        epochs: options.epochs,
        step,
        loss: lossSum / seen,
        accuracy: correctSum / seen,
        ...(val ? { valLoss: val.loss, valAccuracy: val.top1, valTop5: val.top5 } : {}),
        lr,
        imagesPerSecond: seen / Math.max(trainMs, 1e-6) * 1000,
        dataWaitMs,
        elapsedMs: performance.now() - epochStart,
        totalElapsedMs: performance.now() - started,
      };
      history.push(event);
      await emit("onEpochEnd", event);
    }
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
  const stopped = stopReason !== undefined && epochDone < options.epochs;
  await emit("onTrainEnd", {
    epoch: epochDone,
    step,
    stopped,
    ...(stopReason !== undefined ? { reason: stopReason } : {}),
    history,
    elapsedMs: performance.now() - started,
  });
  optimizer.dispose();
  let evaluation: Evaluation | undefined;
  if (options.validation) {
    evaluation = !weightsChanged && lastEval
      ? lastEval
      : await evaluate(model, options.validation, evaluateOptions);
  }
  return {
    model,
    epoch: epochDone,
    step,
    history,
    stopped,
    ...(stopReason !== undefined ? { reason: stopReason } : {}),
    ...(evaluation ? { evaluation } : {}),
  };
}
