// One epoch of the training loop: batches prepared and uploaded one step ahead, one trainStep()
// each, and the steps' loss and hits read back together every few steps (onBatchEnd events are
// sent then, in order), the first non-finite loss named by its own step.
import { eventTurn } from "./_event_turn.ts";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { BatchArrays, Dataset, Rng } from "../data/mod.ts";
import { prefetchToDevice } from "../backends/webgpu/prefetch.ts";
import { TrainError } from "./errors.ts";
import type { BatchEndEvent } from "./events.ts";
import type { Optimizer } from "./optimizers.ts";
import { trainStep } from "./step.ts";
import { StepReadback } from "./_readback.ts";

/** What one epoch needs from the loop. */
export interface EpochRun {
  readonly model: tfl.LayersModel;
  readonly optimizer: Optimizer;
  readonly data: Dataset;
  /** The epoch's shuffled order. */
  readonly order: Uint32Array;
  /** The generator augmentation draws from (none: no augmentation). */
  readonly rng?: Rng;
  readonly batchSize: number;
  readonly labelSmoothing: number;
  readonly readEvery: number;
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  /** Updates done before this epoch. */
  readonly startStep: number;
  readonly epochStart: number;
  lrAt(step: number): Record<string, number>;
  onBatchEnd(event: BatchEndEvent): Promise<void>;
  /** Whether a callback asked to stop (checked after each step). */
  stopping(): boolean;
  /** Where the last good checkpoint is, for the error on a non-finite loss. */
  lastGood(): string;
}

/** What an epoch did. */
export interface EpochTotals {
  /** Batches trained (fewer than the epoch's when stopped). */
  readonly batches: number;
  /** Updates done in the run after this epoch. */
  readonly step: number;
  readonly lossSum: number;
  readonly correctSum: number;
  readonly seen: number;
  /** Milliseconds from the epoch's first step to its last read. */
  readonly trainMs: number;
  /** Milliseconds the loop waited for its next batch. */
  readonly dataWaitMs: number;
  /** The learning rates of the last update. */
  readonly lr: Record<string, number>;
}

/** Trains one epoch; throws a TrainError at the first step whose loss is not finite. */
export async function runEpoch(r: EpochRun): Promise<EpochTotals> {
  const { data, batchSize, order, stepsPerEpoch, epoch } = r;
  const host = (function* (): Generator<BatchArrays> {
    for (let at = 0; at < data.size; at += batchSize) {
      yield data.batch(order.subarray(at, at + batchSize), r.rng);
    }
  })();
  const readback = new StepReadback(r.readEvery);
  const pending: { batch: number; step: number; size: number; lr: Record<string, number> }[] = [];
  let lossSum = 0, correctSum = 0, seen = 0, trainMs = 0, dataWaitMs = 0;
  let step = r.startStep;
  let lr = r.lrAt(step);
  let batch = 0;
  let groupStart = performance.now();
  const flush = async () => {
    const values = await readback.flush();
    const now = performance.now();
    const ms = now - groupStart;
    trainMs += ms;
    groupStart = now;
    const steps = pending.splice(0);
    const images = steps.reduce((n, s) => n + s.size, 0);
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      const [loss, hits] = values[i]!;
      if (!Number.isFinite(loss)) {
        throw new TrainError("Training stopped", [
          `the loss is ${loss} at epoch ${epoch}, step ${s.step} (batch ${s.batch} of ${stepsPerEpoch})`,
          r.lastGood(),
        ], 1);
      }
      lossSum += loss! * s.size;
      correctSum += hits!;
      seen += s.size;
      await r.onBatchEnd({
        epoch,
        batch: s.batch,
        batches: stepsPerEpoch,
        step: s.step,
        size: s.size,
        loss: loss!,
        accuracy: hits! / s.size,
        lr: s.lr,
        imagesPerSecond: images / Math.max(ms, 1e-6) * 1000,
        elapsedMs: now - r.epochStart,
      });
    }
  };
  const feed = prefetchToDevice(host, (b) => ({
    x: tf.tensor4d(b.x, [b.size, ...data.shape]),
    y: tf.tensor1d(b.labels, "int32"),
  }))[Symbol.asyncIterator]();
  try {
    while (true) {
      const waitStart = performance.now();
      const next = await feed.next();
      dataWaitMs += performance.now() - waitStart;
      if (next.done) break;
      const b = next.value;
      batch++;
      lr = r.lrAt(step);
      let out;
      try {
        out = trainStep(r.model, r.optimizer, b, lr, { labelSmoothing: r.labelSmoothing });
      } finally {
        tf.dispose([b.x, b.y]);
      }
      step++;
      pending.push({ batch, step, size: b.y.shape[0]!, lr });
      const last = batch === stepsPerEpoch;
      if (readback.push([out.loss, out.hits]) || last) await flush();
      await eventTurn();
      if (r.stopping()) {
        if (readback.pending) await flush();
        break;
      }
    }
  } finally {
    readback.dispose();
    await feed.return?.(undefined);
  }
  return { batches: batch, step, lossSum, correctSum, seen, trainMs, dataWaitMs, lr };
}
