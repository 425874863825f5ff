import type { Schedule } from "./config.ts";

/**
 * The factor a schedule applies to the base learning rates at a step.
 *
 * @example
 * ```ts
 * import { scheduleFactor } from "@graft/graft/train";
 * const at = (step: number) => scheduleFactor({ type: "cosine" }, step, 100, 10);
 * console.log(at(0), at(50), at(100)); // 1 0.5 0 (about)
 * ```
 *
 * @param schedule The schedule.
 * @param step Updates done so far (0 before the first).
 * @param totalSteps Updates in the whole run.
 * @param stepsPerEpoch Updates per epoch (for `step`).
 */
export function scheduleFactor(
  schedule: Schedule,
  step: number,
  totalSteps: number,
  stepsPerEpoch: number,
): number {
  switch (schedule.type) {
    case "constant":
      return 1;
    case "step": {
      const epoch = Math.floor(step / Math.max(1, stepsPerEpoch));
      return (schedule.gamma ?? 0.1) ** Math.floor(epoch / schedule.stepSize);
    }
    case "cosine": {
      const warm = schedule.warmupSteps ?? 0;
      if (step < warm) return (step + 1) / warm;
      const min = schedule.minFactor ?? 0;
      const t = Math.min(1, (step - warm) / Math.max(1, totalSteps - warm));
      return min + (1 - min) * (1 + Math.cos(Math.PI * t)) / 2;
    }
    case "oneCycle": {
      const div = schedule.divFactor ?? 25;
      const initial = 1 / div;
      const final = initial / (schedule.finalDivFactor ?? 1e4);
      const up = (schedule.pctStart ?? 0.3) * totalSteps - 1;
      const last = totalSteps - 1;
      const anneal = (from: number, to: number, pct: number) =>
        to + (from - to) / 2 * (Math.cos(Math.PI * Math.min(1, Math.max(0, pct))) + 1);
      if (step <= up) return anneal(initial, 1, up <= 0 ? 1 : step / up);
      return anneal(1, final, (step - up) / Math.max(1e-12, last - up));
    }
  }
}
