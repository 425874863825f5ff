import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { dirname } from "node:path";
import { type BackendName, ensureBackend, useBackend } from "../backends/mod.ts";
import { buildWithWeights } from "../weights/build_with_weights.ts";
import { groupOf, type Spec } from "../dsl/mod.ts";
import { type Dataset, Rng } from "../data/mod.ts";
import { type Checkpoint, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { TrainError } from "./errors.ts";
import type { Callback, EpochEndEvent, TrainContext } from "./events.ts";
import { evaluate, type Evaluation } from "./evaluate.ts";
import { crossEntropy } from "./loss.ts";
import { checkOptimizer, Optimizer, type OptimizerConfig, resolveRates } from "./optimizers.ts";
import { type ModelWeight, modelWeights } from "./params.ts";
import { checkSchedule, type Schedule, scheduleFactor } from "./schedules.ts";

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
  /** Seeds the weights (when this call builds the model), shuffling and augmentation. Default: 0. */
  readonly seed?: number;
  /** Apply the dataset's augmentation to training batches. Default: true. */
  readonly augment?: boolean;
  /** Called in order at each event. */
  readonly callbacks?: readonly Callback[];
  /** A checkpoint file, a folder with `last.safetensors`, or a run folder to continue from. */
  readonly resume?: string;
  /** A model built from `spec` already (e.g. with loaded weights). Default: `build(spec, { seed })`. */
  readonly model?: tfl.LayersModel;
  /** Switch TensorFlow.js to this backend first (see `useBackend`). Default: keep the current one. */
  readonly backend?: BackendName;
  /** Images per forward pass when evaluating. Default: 256. */
  readonly evaluateBatchSize?: number;
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
  if (o.labelSmoothing !== undefined && !(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) {
    problems.push(`labelSmoothing must be in [0, 1), got ${o.labelSmoothing}`);
  }
  if (o.train.size < 1) problems.push("train has no images");
  const shape = spec.inputShape.join(",");
  for (const [name, ds] of [["train", o.train], ["validation", o.validation]] as const) {
    if (ds && ds.shape.join(",") !== shape) {
      problems.push(`${name} images are [${ds.shape}] but the model takes [${spec.inputShape}]`);
    }
  }
  return problems;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Trains a spec: builds it (or takes `options.model`), then runs a custom loop that computes
 * gradients of the cross-entropy for the trainable weights only and updates them with the
 * chosen optimizer, per-group learning rates and per-step schedule; frozen weights are never
 * written. Evaluates on `validation` each epoch, calls the typed callbacks, resumes from a
 * checkpoint, and stops with a {@linkcode TrainError} naming the epoch, step and last good
 * checkpoint if the loss turns NaN or infinite.
 *
 * @example A tiny model on generated data
 * ```ts
 * import { conv2d, dense, flatten, relu, sequential } from "@graft/graft/dsl";
 * import { arrayDataset } from "@graft/graft/data";
 * import { train } from "@graft/graft/train";
 * const spec = sequential("tiny", [4, 4, 1], {
 *   features: [conv2d(2, 3, { padding: 1 }), relu()],
 *   classifier: [flatten(), dense(2)],
 * }).freeze("features");
 * const x = Float32Array.from({ length: 8 * 16 }, (_, i) => (i % 16) / 16);
 * const data = arrayDataset(x, new Int32Array([0, 1, 0, 1, 0, 1, 0, 1]), [4, 4, 1], 2);
 * const result = await train(spec, {
 *   train: data,
 *   epochs: 2,
 *   batchSize: 4,
 *   optimizer: { type: "adam", lr: 0.01 },
 * });
 * console.log(result.history.length); // 2
 * ```
 */
export async function train(spec: Spec, options: TrainOptions): Promise<TrainResult> {
  const problems = checkOptions(options, spec);
  const optimizerConfig = options.optimizer ?? DEFAULT_OPTIMIZER;
  const schedule = options.schedule ?? { type: "constant" };
  problems.push(...checkOptimizer(optimizerConfig), ...checkSchedule(schedule));
  if (options.backend) await useBackend(options.backend);
  else await ensureBackend();
  const seed = options.seed ?? 0;
  const model = options.model ?? (await buildWithWeights(spec, { seed })).model;
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

  const batchSize = options.batchSize ?? 64;
  const labelSmoothing = options.labelSmoothing ?? 0;
  const augment = options.augment ?? true;
  const callbacks = options.callbacks ?? [];
  const data = options.train;
  const stepsPerEpoch = Math.ceil(data.size / batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const optimizer = new Optimizer(optimizerConfig, params);
  const vars = params.map((p) => p.variable);
  const keyOf = new Map(params.map((p) => [p.variable.name, p.key]));

  let rng = new Rng(seed);
  let epochDone = 0;
  let step = 0;
  let rngAtEpoch = rng.state();
  const history: EpochEndEvent[] = [];
  let resumedFrom: string | undefined;
  if (options.resume !== undefined) {
    const ckpt = await readCheckpoint(options.resume);
    restore(ckpt, spec, weights, optimizer, options, batchSize);
    rng = Rng.fromState(ckpt.info.rng);
    rngAtEpoch = rng.state();
    epochDone = ckpt.info.epoch;
    step = ckpt.info.step;
    history.push(...ckpt.info.history);
    resumedFrom = ckpt.path;
  }

  let stopReason: string | undefined;
  let lastCheckpoint: string | undefined;
  let weightsChanged = true;
  const ctx: TrainContext = {
    model,
    spec,
    stop(reason: string) {
      stopReason ??= reason;
    },
    get stopping() {
      return stopReason !== undefined;
    },
    getWeights: () => new Map(weights.map((w) => [w.key, w.variable.dataSync() as Float32Array])),
    setWeights(values) {
      for (const w of weights) {
        const v = values.get(w.key);
        if (!v) continue;
        tf.tidy(() => w.variable.assign(tf.tensor(v, w.variable.shape, "float32")));
      }
      weightsChanged = true;
    },
    async saveCheckpoint(path: string) {
      await Deno.mkdir(dirname(path), { recursive: true });
      const ckpt: Checkpoint = {
        info: {
          format: "graft.checkpoint/v1",
          spec: spec.toJSON(),
          epoch: epochDone,
          epochs: options.epochs,
          step,
          rng: rngAtEpoch,
          seed,
          batchSize,
          optimizer: optimizerConfig,
          schedule,
          labelSmoothing,
          history,
        },
        weights: new Map(
          weights.map((w) => [w.key, {
            shape: [...w.variable.shape],
            data: w.variable.dataSync() as Float32Array,
          }]),
        ),
        optimizer: optimizer.getState(),
      };
      await writeCheckpoint(path, ckpt);
      lastCheckpoint = path;
      return path;
    },
    get lastCheckpoint() {
      return lastCheckpoint;
    },
  };
  const emit = async <K extends keyof Callback>(
    name: K,
    event: Parameters<NonNullable<Callback[K]>>[0],
  ) => {
    for (const cb of callbacks) {
      const fn = cb[name] as ((e: typeof event, c: TrainContext) => unknown) | undefined;
      if (fn) await fn.call(cb, event, ctx);
    }
  };
  const lrAt = (s: number) => {
    const f = scheduleFactor(schedule, s, totalSteps, stepsPerEpoch);
    return Object.fromEntries(groups.map((g) => [g, rates[g]! * f]));
  };

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
  for (let epoch = epochDone + 1; epoch <= options.epochs && !ctx.stopping; epoch++) {
    const epochStart = performance.now();
    await emit("onEpochBegin", { epoch, epochs: options.epochs, step, lr: lrAt(step) });
    const order = rng.permutation(data.size);
    let lossSum = 0, correctSum = 0, seen = 0, trainMs = 0;
    let lr = lrAt(step);
    let completed = true;
    for (let batch = 1, at = 0; at < data.size; batch++, at += batchSize) {
      const b = data.batch(order.subarray(at, at + batchSize), augment ? rng : undefined);
      lr = lrAt(step);
      const t0 = performance.now();
      let correct: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const x = tf.tensor4d(b.x, [b.size, ...data.shape]);
        const y = tf.tensor1d(b.labels, "int32");
        const logits = model.apply(x, { training: true }) as tf.Tensor;
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), y), "float32")));
        return crossEntropy(logits, y, labelSmoothing) as tf.Scalar;
      }, vars);
      const loss = value.dataSync()[0]!;
      const hits = correct!.dataSync()[0]!;
      if (!Number.isFinite(loss)) {
        tf.dispose([value, correct!, ...Object.values(grads)]);
        throw new TrainError("Training stopped", [
          `the loss is ${loss} at epoch ${epoch}, step ${
            step + 1
          } (batch ${batch} of ${stepsPerEpoch})`,
          lastCheckpoint
            ? `the last good checkpoint is ${lastCheckpoint}`
            : "no checkpoint was written before it",
        ], 1);
      }
      const gradMap = new Map<string, tf.Tensor>();
      for (const [name, g] of Object.entries(grads)) gradMap.set(keyOf.get(name)!, g);
      optimizer.apply(gradMap, lr);
      tf.dispose([value, correct!, ...Object.values(grads)]);
      weightsChanged = true;
      step++;
      const ms = performance.now() - t0;
      trainMs += ms;
      lossSum += loss * b.size;
      correctSum += hits;
      seen += b.size;
      await emit("onBatchEnd", {
        epoch,
        batch,
        batches: stepsPerEpoch,
        step,
        size: b.size,
        loss,
        accuracy: hits / b.size,
        lr,
        imagesPerSecond: b.size / Math.max(ms, 1e-6) * 1000,
        elapsedMs: performance.now() - epochStart,
      });
      if (ctx.stopping) {
        completed = at + batchSize >= data.size;
        break;
      }
    }
    if (!completed) break;
    epochDone = epoch;
    rngAtEpoch = rng.state();
    let val: Evaluation | undefined;
    if (options.validation) {
      const valStart = performance.now();
      val = evaluate(model, options.validation, {
        ...batchOpt(options.evaluateBatchSize),
        onBatch: (done, total) => {
          const e = { epoch, done, total, elapsedMs: performance.now() - valStart };
          for (const cb of callbacks) cb.onValidationBatchEnd?.(e, ctx);
        },
      });
      lastEval = val;
      weightsChanged = false;
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
      elapsedMs: performance.now() - epochStart,
      totalElapsedMs: performance.now() - started,
    };
    history.push(event);
    await emit("onEpochEnd", event);
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
      : evaluate(model, options.validation, batchOpt(options.evaluateBatchSize));
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

function batchOpt(n: number | undefined): { batchSize?: number } {
  return n === undefined ? {} : { batchSize: n };
}

function restore(
  ckpt: Checkpoint & { path: string },
  spec: Spec,
  weights: readonly ModelWeight[],
  optimizer: Optimizer,
  options: TrainOptions,
  batchSize: number,
): void {
  const problems: string[] = [];
  if (JSON.stringify(ckpt.info.spec) !== JSON.stringify(spec.toJSON())) {
    problems.push(
      `${ckpt.path} was written for another spec (${ckpt.info.spec.name}, ${ckpt.info.spec.steps.length} steps)`,
    );
  }
  if (ckpt.info.batchSize !== batchSize) {
    problems.push(`${ckpt.path} used batch size ${ckpt.info.batchSize}, this run ${batchSize}`);
  }
  if (
    JSON.stringify(ckpt.info.optimizer) !== JSON.stringify(options.optimizer ?? DEFAULT_OPTIMIZER)
  ) {
    problems.push(`${ckpt.path} used optimizer ${JSON.stringify(ckpt.info.optimizer)}`);
  }
  for (const w of weights) {
    const v = ckpt.weights.get(w.key);
    if (!v) problems.push(`${ckpt.path} has no weight ${w.key}`);
    else if (v.shape.join(",") !== w.variable.shape.join(",")) {
      problems.push(
        `${ckpt.path} has ${w.key} of shape [${v.shape}], the model [${w.variable.shape}]`,
      );
    }
  }
  if (problems.length) throw new TrainError("Cannot resume", problems);
  for (const w of weights) {
    const v = ckpt.weights.get(w.key)!;
    tf.tidy(() => w.variable.assign(tf.tensor(v.data, v.shape, "float32")));
  }
  optimizer.setState(ckpt.optimizer);
}
