/**
 * A learning-rate schedule, applied before every step as a factor of each group's base rate.
 *
 * - `constant`: the base rate throughout.
 * - `step`: multiplied by `gamma` every `stepSize` epochs (PyTorch `StepLR`).
 * - `cosine`: cosine annealing from the base rate to `minFactor` × base over the run, after an
 *   optional linear warm-up of `warmupSteps` (PyTorch `CosineAnnealingLR` per step).
 * - `oneCycle`: PyTorch `OneCycleLR` with cosine annealing: from base / `divFactor` up to the base
 *   rate (the maximum) over `pctStart` of the run, then down to base / (`divFactor` ×
 *   `finalDivFactor`).
 *
 * @example
 * ```ts
 * import type { Schedule } from "@graft/graft/train";
 * const s: Schedule = { type: "oneCycle", pctStart: 0.25 };
 * ```
 */
export type Schedule =
  | { readonly type: "constant" }
  | { readonly type: "step"; readonly stepSize: number; readonly gamma?: number }
  | { readonly type: "cosine"; readonly minFactor?: number; readonly warmupSteps?: number }
  | {
    readonly type: "oneCycle";
    readonly pctStart?: number;
    readonly divFactor?: number;
    readonly finalDivFactor?: number;
  };

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

/** Problems with a schedule's settings (empty when valid). */
export function checkSchedule(s: Schedule): string[] {
  const out: string[] = [];
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v > 0)) out.push(`schedule.${name} must be positive, got ${v}`);
  };
  if (s.type === "step") {
    positive("stepSize", s.stepSize);
    positive("gamma", s.gamma);
  } else if (s.type === "cosine") {
    if (s.minFactor !== undefined && !(s.minFactor >= 0 && s.minFactor <= 1)) {
      out.push(`schedule.minFactor must be in [0, 1], got ${s.minFactor}`);
    }
    if (s.warmupSteps !== undefined && !(s.warmupSteps >= 0)) {
      out.push(`schedule.warmupSteps must be 0 or more, got ${s.warmupSteps}`);
    }
  } else if (s.type === "oneCycle") {
    if (s.pctStart !== undefined && !(s.pctStart > 0 && s.pctStart < 1)) {
      out.push(`schedule.pctStart must be in (0, 1), got ${s.pctStart}`);
    }
    positive("divFactor", s.divFactor);
    positive("finalDivFactor", s.finalDivFactor);
  } else if (s.type !== "constant") {
    out.push(
      `schedule.type must be constant, step, cosine or oneCycle, got ${
        (s as { type: string }).type
      }`,
    );
  }
  return out;
}
