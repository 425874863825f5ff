import { join } from "node:path";
import type { BatchEndEvent, Callback, EpochEndEvent } from "./events.ts";

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

/**
 * Options of {@linkcode consoleLogger}.
 *
 * @example
 * ```ts
 * import type { ConsoleLoggerOptions } from "@graft/graft/train";
 * const o: ConsoleLoggerOptions = { progress: false };
 * ```
 */
export interface ConsoleLoggerOptions {
  /** Where lines go. Default: standard error. */
  readonly write?: (text: string) => void;
  /** Redraw a progress bar with loss and images/s after each batch. Default: when stderr is a terminal. */
  readonly progress?: boolean;
}

function fmtLr(lr: Readonly<Record<string, number>>): string {
  return Object.entries(lr).map(([g, v]) => `${g} ${v.toExponential(2)}`).join(", ");
}

function bar(e: BatchEndEvent): string {
  const width = 24;
  const done = Math.round((e.batch / e.batches) * width);
  return `epoch ${e.epoch} [${"=".repeat(done)}${
    " ".repeat(width - done)
  }] ${e.batch}/${e.batches}` +
    ` loss ${e.loss.toFixed(4)} ${Math.round(e.imagesPerSecond)} img/s`;
}

/**
 * Logs the run: a progress bar with loss and images/s on a terminal, one line per epoch with
 * loss, accuracy, validation metrics, learning rates and throughput, and why training stopped.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@graft/graft/train";
 * const lines: string[] = [];
 * const cb = consoleLogger({ write: (t) => lines.push(t), progress: false });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Callback {
  const encoder = new TextEncoder();
  const write = options.write ?? ((t: string) => Deno.stderr.writeSync(encoder.encode(t)));
  const progress = options.progress ?? Deno.stderr.isTerminal();
  let drawn = false;
  const clear = () => {
    if (drawn) write("\r\x1b[2K");
    drawn = false;
  };
  return {
    onTrainBegin(e) {
      write(
        `Training epochs ${e.startEpoch}-${e.epochs}: ${e.trainSize} images, batch ${e.batchSize}, ` +
          `${e.stepsPerEpoch} steps/epoch, ${e.trainableParams} trainable / ${e.frozenParams} frozen ` +
          `parameters, lr ${fmtLr(e.lr)}${
            e.resumedFrom ? `, resumed from ${e.resumedFrom}` : ""
          }\n`,
      );
    },
    onBatchEnd(e) {
      if (!progress) return;
      write(`\r\x1b[2K${bar(e)}`);
      drawn = true;
    },
    onEpochEnd(e) {
      clear();
      const val = e.valAccuracy !== undefined
        ? ` | val loss ${e.valLoss!.toFixed(4)} acc ${(e.valAccuracy * 100).toFixed(2)}% top-5 ${
          (e.valTop5! * 100).toFixed(2)
        }%`
        : "";
      write(
        `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${
          (e.accuracy * 100).toFixed(2)
        }%` +
          `${val} | lr ${fmtLr(e.lr)} | ${Math.round(e.imagesPerSecond)} img/s | ${
            (e.elapsedMs / 1000).toFixed(1)
          } s\n`,
      );
    },
    onTrainEnd(e) {
      clear();
      if (e.stopped) write(`Stopped after epoch ${e.epoch}: ${e.reason}\n`);
    },
  };
}
