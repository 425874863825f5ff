import { join } from "node:path";
import type { Callback } from "./events.ts";
import { improves, monitored } from "./_monitor.ts";
import { linkAtomic } from "./_link_atomic.ts";
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
 * the end of epochs into `dir`, in an order that survives a kill at any instant: first
 * `last.safetensors` (a temporary file renamed into place), then, when this epoch is the best
 * so far by `monitor`, `best.safetensors` as a hard link to it, and with `keepAll`
 * `epoch-N.safetensors` likewise (a copy where the file system has no hard links). Each epoch's
 * weights are written once: when the best epoch is the last, `best` and `last` are one file,
 * and the next epoch's `last` replaces the name, not the content `best` points at. The best
 * value so far is part of the training state (`stateKey` "checkpointing"), so a resumed run
 * keeps the same best file as an uninterrupted one. Put it after other stateful callbacks
 * (early stopping), so the state it writes includes this epoch's. Resume a run with
 * `train(model, spec, { resume: dir })`.
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
  const file = (name: string) => join(options.dir, name);
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
      const due = event.epoch % every === 0 || event.epoch === event.epochs || ctx.stopping;
      let isBest = false;
      if (options.monitor) {
        const v = monitored(event, options.monitor);
        if (bestEpoch === 0 || improves(options.monitor, v, best, 0)) {
          best = v;
          bestEpoch = event.epoch;
          isBest = true;
        }
      }
      // The state written below already holds this epoch's best value.
      if (!due) {
        if (isBest) await ctx.saveCheckpoint(file("best.safetensors"));
        return;
      }
      const last = await ctx.saveCheckpoint(file("last.safetensors"));
      if (isBest) await linkAtomic(last, file("best.safetensors"));
      if (options.keepAll) await linkAtomic(last, file(`epoch-${event.epoch}.safetensors`));
    },
  };
}
