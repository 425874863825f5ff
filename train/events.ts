import type * as tfl from "@tensorflow/tfjs-layers";
import type { Spec } from "../dsl/mod.ts";

/**
 * Sent once before the first epoch (also when resuming).
 *
 * @example
 * ```ts
 * import type { TrainBeginEvent } from "@graft/graft/train";
 * const log = (e: TrainBeginEvent) => console.log(`${e.trainableParams} trainable parameters`);
 * ```
 */
export interface TrainBeginEvent {
  /** The epoch training starts at (1-based; above 1 when resuming). */
  readonly startEpoch: number;
  /** The last epoch. */
  readonly epochs: number;
  /** Updates per epoch. */
  readonly stepsPerEpoch: number;
  /** Updates in the whole run. */
  readonly totalSteps: number;
  /** Training images per epoch. */
  readonly trainSize: number;
  /** Validation images (0 when none). */
  readonly validationSize: number;
  /** Images per update. */
  readonly batchSize: number;
  /** Parameters the optimizer updates. */
  readonly trainableParams: number;
  /** Parameters left as they are (frozen layers, BatchNorm statistics). */
  readonly frozenParams: number;
  /** Base learning rate of each trainable group. */
  readonly lr: Readonly<Record<string, number>>;
  /** The checkpoint this run resumed from, if any. */
  readonly resumedFrom?: string;
}

/**
 * Sent at the start of each epoch.
 *
 * @example
 * ```ts
 * import type { EpochBeginEvent } from "@graft/graft/train";
 * const log = (e: EpochBeginEvent) => console.log(`epoch ${e.epoch}/${e.epochs}`);
 * ```
 */
export interface EpochBeginEvent {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** The last epoch. */
  readonly epochs: number;
  /** Updates done before this epoch. */
  readonly step: number;
  /** Learning rate of each group for the epoch's first update. */
  readonly lr: Readonly<Record<string, number>>;
}

/**
 * Sent after every update.
 *
 * @example
 * ```ts
 * import type { BatchEndEvent } from "@graft/graft/train";
 * const log = (e: BatchEndEvent) => console.log(e.step, e.loss.toFixed(3), e.imagesPerSecond);
 * ```
 */
export interface BatchEndEvent {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** 1-based batch number within the epoch. */
  readonly batch: number;
  /** Batches in the epoch. */
  readonly batches: number;
  /** Updates done so far in the run (this one included). */
  readonly step: number;
  /** Images in this batch. */
  readonly size: number;
  /** This batch's training loss (with label smoothing when set). */
  readonly loss: number;
  /** This batch's top-1 accuracy. */
  readonly accuracy: number;
  /** Learning rate of each group used for this update. */
  readonly lr: Readonly<Record<string, number>>;
  /** Throughput of this batch (images per second, forward + backward + update). */
  readonly imagesPerSecond: number;
  /** Milliseconds since the epoch began. */
  readonly elapsedMs: number;
}

/**
 * Sent after each epoch, once validation (when given) is done; also one line of
 * `metrics.jsonl`.
 *
 * @example
 * ```ts
 * import type { EpochEndEvent } from "@graft/graft/train";
 * const log = (e: EpochEndEvent) => console.log(e.epoch, e.loss, e.valAccuracy);
 * ```
 */
export interface EpochEndEvent {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** The last epoch. */
  readonly epochs: number;
  /** Updates done so far in the run. */
  readonly step: number;
  /** Mean training loss over the epoch. */
  readonly loss: number;
  /** Training top-1 accuracy over the epoch (augmented images, training mode). */
  readonly accuracy: number;
  /** Validation loss (absent without validation data). */
  readonly valLoss?: number;
  /** Validation top-1 accuracy. */
  readonly valAccuracy?: number;
  /** Validation top-5 accuracy. */
  readonly valTop5?: number;
  /** Learning rate of each group at the epoch's last update. */
  readonly lr: Readonly<Record<string, number>>;
  /** Training throughput over the epoch (images per second, validation excluded). */
  readonly imagesPerSecond: number;
  /**
   * Milliseconds the loop waited for training batches (preparing and uploading them), the
   * part of data loading not hidden behind the device's work.
   */
  readonly dataWaitMs: number;
  /** Milliseconds the epoch took, validation included. */
  readonly elapsedMs: number;
  /** Milliseconds since training (this run of it) began. */
  readonly totalElapsedMs: number;
}

/**
 * Sent during each epoch's validation after every forward pass (synchronously: a callback's
 * returned promise is not awaited), so progress displays can show the validation phase.
 *
 * @example
 * ```ts
 * import type { ValidationBatchEndEvent } from "@graft/graft/train";
 * const log = (e: ValidationBatchEndEvent) => console.log(`${e.done}/${e.total}`);
 * ```
 */
export interface ValidationBatchEndEvent {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Validation images done so far. */
  readonly done: number;
  /** Validation images in all. */
  readonly total: number;
  /** Milliseconds since validation began. */
  readonly elapsedMs: number;
}

/**
 * Sent once when training ends, stopped early or not.
 *
 * @example
 * ```ts
 * import type { TrainEndEvent } from "@graft/graft/train";
 * const log = (e: TrainEndEvent) => console.log(e.stopped ? e.reason : "done", e.epoch);
 * ```
 */
export interface TrainEndEvent {
  /** The last completed epoch. */
  readonly epoch: number;
  /** Updates done in the run. */
  readonly step: number;
  /** Whether a callback stopped training before the last epoch. */
  readonly stopped: boolean;
  /** Why it stopped (the callback's reason). */
  readonly reason?: string;
  /** Every completed epoch's metrics, resumed epochs included. */
  readonly history: readonly EpochEndEvent[];
  /** Milliseconds since training (this run of it) began. */
  readonly elapsedMs: number;
}

/**
 * What callbacks can act on: the model, its spec, stopping, weights and checkpoints.
 *
 * @example
 * ```ts
 * import type { Callback } from "@graft/graft/train";
 * const stopAtHalf: Callback = {
 *   onEpochEnd: (e, ctx) => {
 *     if ((e.valAccuracy ?? 0) > 0.5) ctx.stop("reached 50%");
 *   },
 * };
 * ```
 */
export interface TrainContext {
  /** The model being trained. */
  readonly model: tfl.LayersModel;
  /** The spec it was built from. */
  readonly spec: Spec;
  /** Asks the loop to stop after the current batch; the reason goes to `onTrainEnd`. */
  stop(reason: string): void;
  /** Whether `stop()` was called. */
  readonly stopping: boolean;
  /** Copies every weight's values (by key, e.g. `features.0/kernel`), read asynchronously. */
  getWeights(): Promise<Map<string, Float32Array>>;
  /** Writes weights copied with {@linkcode TrainContext.getWeights}. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void;
  /**
   * Writes a checkpoint of the current state (atomically: the old file or the new one survives
   * a kill) and returns its path. Refuses, with a `TrainError`, to write NaN or infinite
   * weights.
   */
  saveCheckpoint(path: string): Promise<string>;
  /** The last checkpoint written in this run, if any. */
  readonly lastCheckpoint: string | undefined;
}

/**
 * Typed training callbacks; each may be async, and each receives the context to stop training
 * or save state. On backends that read results asynchronously (WebGPU), `onBatchEnd` events
 * arrive a few steps late, together, when the steps' values are read back (see
 * `TrainOptions.readbackEvery`).
 *
 * @example Stop when the loss is small
 * ```ts
 * import type { Callback } from "@graft/graft/train";
 * const cb: Callback = { onBatchEnd: (e, ctx) => e.loss < 0.01 && ctx.stop("loss below 0.01") };
 * ```
 */
export interface Callback {
  /**
   * Names this callback's entry in a checkpoint's training state; with `stateDict` and
   * `loadStateDict`, a resumed run continues the callback where it was (as Lightning's
   * `state_key`).
   */
  readonly stateKey?: string;
  /** The callback's state as JSON, saved with every checkpoint. */
  stateDict?(): unknown;
  /** Restores a state saved by `stateDict` when a run resumes. */
  loadStateDict?(state: unknown): void;
  /** Before the first epoch. */
  onTrainBegin?(event: TrainBeginEvent, ctx: TrainContext): unknown;
  /** At the start of each epoch. */
  onEpochBegin?(event: EpochBeginEvent, ctx: TrainContext): unknown;
  /** After each update. */
  onBatchEnd?(event: BatchEndEvent, ctx: TrainContext): unknown;
  /** During validation, after each forward pass (not awaited). */
  onValidationBatchEnd?(event: ValidationBatchEndEvent, ctx: TrainContext): unknown;
  /** After each epoch and its validation. */
  onEpochEnd?(event: EpochEndEvent, ctx: TrainContext): unknown;
  /** When training ends (also after a stop). */
  onTrainEnd?(event: TrainEndEvent, ctx: TrainContext): unknown;
}
