import { join } from "node:path";
import type { Callback } from "./events.ts";
import { improves, monitored } from "./_monitor.ts";
import type { Monitor } from "./config.ts";

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
 * Writes a checkpoint (weights, spec, optimizer state, epoch, RNG state, callbacks' state) at
 * the end of epochs, atomically, to `dir/last.safetensors`; optionally one per epoch and the
 * best one. The best value so far is part of the training state (`stateKey` "checkpointing"),
 * so a resumed run keeps the same best file as an uninterrupted one. Put it after other
 * stateful callbacks (early stopping), so the state it writes includes this epoch's.
 * Resume a run with `train(model, spec, { resume: dir })`.
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
  let bestEpoch = 0;
  return {
    stateKey: "checkpointing",
    stateDict: () => ({
      monitor: options.monitor ?? null,
      best: bestEpoch ? best : null,
      bestEpoch,
    }),
    loadStateDict(state) {
      const s = state as { monitor?: unknown; best?: unknown; bestEpoch?: unknown };
      if (s.monitor !== (options.monitor ?? null)) return;
      best = typeof s.best === "number" ? s.best : NaN;
      bestEpoch = typeof s.bestEpoch === "number" ? s.bestEpoch : 0;
    },
    async onEpochEnd(event, ctx) {
      const last = event.epoch % every === 0 || event.epoch === event.epochs || ctx.stopping;
      let writeBest = false;
      if (options.monitor) {
        const v = monitored(event, options.monitor);
        if (bestEpoch === 0 || improves(options.monitor, v, best, 0)) {
          best = v;
          bestEpoch = event.epoch;
          writeBest = true;
        }
      }
      // The state written below already holds this epoch's best value.
      if (writeBest) await ctx.saveCheckpoint(join(options.dir, "best.safetensors"));
      if (options.keepAll && last) {
        await ctx.saveCheckpoint(join(options.dir, `epoch-${event.epoch}.safetensors`));
      }
      if (last) await ctx.saveCheckpoint(join(options.dir, "last.safetensors"));
    },
  };
}
