import { join } from "node:path";
import type { Callback, EpochEndEvent } from "./events.ts";

/**
 * A metric that early stopping and checkpointing can watch.
 *
 * @example
 * ```ts
 * import type { Monitor } from "@graft/graft/train";
 * const m: Monitor = "valAccuracy";
 * ```
 */
export type Monitor = "loss" | "accuracy" | "valLoss" | "valAccuracy" | "valTop5";

function better(monitor: Monitor, a: number, b: number, minDelta: number): boolean {
  return monitor.endsWith("oss") ? a < b - minDelta : a > b + minDelta;
}

function read(event: EpochEndEvent, monitor: Monitor): number {
  const v = event[monitor];
  if (v === undefined) {
    throw new Error(`Cannot monitor ${monitor}: the run has no validation data (give validation)`);
  }
  return v;
}

/**
 * Options of {@linkcode earlyStopping}.
 *
 * @example
 * ```ts
 * import type { EarlyStoppingOptions } from "@graft/graft/train";
 * const o: EarlyStoppingOptions = { monitor: "valLoss", patience: 3 };
 * ```
 */
export interface EarlyStoppingOptions {
  /** Default: `valLoss`. */
  readonly monitor?: Monitor;
  /** Epochs without improvement before stopping. Default: 3. */
  readonly patience?: number;
  /** Smallest change that counts as an improvement. Default: 0. */
  readonly minDelta?: number;
  /** Put back the best epoch's weights when training ends. Default: true. */
  readonly restoreBestWeights?: boolean;
}

/**
 * Stops training when a metric has not improved for `patience` epochs, and (by default)
 * restores the weights of the best epoch when training ends.
 *
 * @example
 * ```ts
 * import { earlyStopping } from "@graft/graft/train";
 * const cb = earlyStopping({ monitor: "valAccuracy", patience: 2 });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function earlyStopping(
  options: EarlyStoppingOptions = {},
): Callback & { readonly bestEpoch: number; readonly best: number } {
  const monitor = options.monitor ?? "valLoss";
  const patience = options.patience ?? 3;
  const minDelta = options.minDelta ?? 0;
  const restore = options.restoreBestWeights ?? true;
  let best = NaN;
  let bestEpoch = 0;
  let wait = 0;
  let bestWeights: Map<string, Float32Array> | undefined;
  return {
    get best() {
      return best;
    },
    get bestEpoch() {
      return bestEpoch;
    },
    onEpochEnd(event, ctx) {
      const v = read(event, monitor);
      if (bestEpoch === 0 || better(monitor, v, best, minDelta)) {
        best = v;
        bestEpoch = event.epoch;
        wait = 0;
        if (restore) bestWeights = ctx.getWeights();
        return;
      }
      wait++;
      if (wait >= patience) {
        ctx.stop(
          `early stopping: ${monitor} did not improve for ${wait} epochs (best ${
            best.toFixed(4)
          } at epoch ${bestEpoch})`,
        );
      }
    },
    onTrainEnd(event, ctx) {
      const last = event.history[event.history.length - 1];
      if (restore && bestWeights && last && last.epoch !== bestEpoch) ctx.setWeights(bestWeights);
      bestWeights = undefined;
    },
  };
}

/**
 * Options of {@linkcode checkpointing}.
 *
 * @example
 * ```ts
 * import type { CheckpointingOptions } from "@graft/graft/train";
 * const o: CheckpointingOptions = { dir: "runs/a/checkpoints", monitor: "valAccuracy" };
 * ```
 */
export interface CheckpointingOptions {
  /** Folder of the checkpoint files. */
  readonly dir: string;
  /** Write every n epochs (`last.safetensors` is always the newest). Default: 1. */
  readonly every?: number;
  /** Also keep `epoch-N.safetensors` for each epoch written. Default: false. */
  readonly keepAll?: boolean;
  /** Also keep `best.safetensors`, the best epoch by this metric. */
  readonly monitor?: Monitor;
}

/**
 * Writes a checkpoint (weights, optimizer state, spec, epoch, RNG state) at the end of epochs,
 * atomically, to `dir/last.safetensors`; optionally one per epoch and the best one. Resume a run
 * with `train(spec, { resume: dir })`.
 *
 * @example
 * ```ts
 * import { checkpointing } from "@graft/graft/train";
 * const cb = checkpointing({ dir: "runs/demo/checkpoints", monitor: "valAccuracy" });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function checkpointing(options: CheckpointingOptions): Callback {
  const every = options.every ?? 1;
  let best = NaN;
  return {
    async onEpochEnd(event, ctx) {
      const last = event.epoch % every === 0 || event.epoch === event.epochs || ctx.stopping;
      if (options.monitor) {
        const v = read(event, options.monitor);
        if (Number.isNaN(best) || better(options.monitor, v, best, 0)) {
          best = v;
          await ctx.saveCheckpoint(join(options.dir, "best.safetensors"));
        }
      }
      if (options.keepAll && last) {
        await ctx.saveCheckpoint(join(options.dir, `epoch-${event.epoch}.safetensors`));
      }
      if (last) await ctx.saveCheckpoint(join(options.dir, "last.safetensors"));
    },
  };
}
