import type { Callback } from "./events.ts";
import type { EarlyStoppingOptions } from "./config.ts";
import { earlyStoppingSchema } from "./_schemas.ts";
import { improves, monitored } from "./_monitor.ts";

/**
 * The early-stopping callback: the best value, its epoch and the epochs waited are part of a
 * checkpoint's training state (`stateKey` "earlyStopping"), so a resumed run stops where the
 * uninterrupted one would.
 *
 * @example
 * ```ts
 * import { earlyStopping, type EarlyStopping } from "@graft/graft/train";
 * const es: EarlyStopping = earlyStopping();
 * console.log(es.bestEpoch); // 0
 * ```
 */
export interface EarlyStopping extends Callback {
  /** The best value seen (NaN before the first epoch). */
  readonly best: number;
  /** The epoch it was seen at (0 before the first epoch). */
  readonly bestEpoch: number;
}

/**
 * Stops training when a metric has not improved for `patience` epochs, and (by default)
 * restores the weights of the best epoch when training ends. The best epoch's weights are
 * kept in memory: after a resume, they are restored only if the best epoch came after it.
 *
 * @example
 * ```ts
 * import { earlyStopping } from "@graft/graft/train";
 * const cb = earlyStopping({ monitor: "valAccuracy", patience: 2 });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const { monitor, patience, minDelta, restoreBestWeights } = earlyStoppingSchema.parse(options);
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
    stateKey: "earlyStopping",
    stateDict: () => ({ monitor, best: bestEpoch ? best : null, bestEpoch, wait }),
    loadStateDict(state) {
      const s = state as { monitor?: unknown; best?: unknown; bestEpoch?: unknown; wait?: unknown };
      if (s.monitor !== monitor) return; // another metric: start afresh
      best = typeof s.best === "number" ? s.best : NaN;
      bestEpoch = typeof s.bestEpoch === "number" ? s.bestEpoch : 0;
      wait = typeof s.wait === "number" ? s.wait : 0;
    },
    async onEpochEnd(event, ctx) {
      const v = monitored(event, monitor);
      if (bestEpoch === 0 || improves(monitor, v, best, minDelta)) {
        best = v;
        bestEpoch = event.epoch;
        wait = 0;
        if (restoreBestWeights) bestWeights = await ctx.getWeights();
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
      if (restoreBestWeights && bestWeights && last && last.epoch !== bestEpoch) {
        ctx.setWeights(bestWeights);
      }
      bestWeights = undefined;
    },
  };
}
