/**
 * What a user configures about training: the optimizer, the learning-rate schedule and early
 * stopping. Each is read by a zod schema (the pipeline config is made of the same schemas);
 * these types are checked at compile time to equal what the schemas read.
 *
 * @module
 */

/**
 * Learning rates: one for every group, or one per group (`{ features: 1e-4, classifier: 1e-2 }`,
 * the group of a weight being the first segment of its layer path). Key `"*"` sets the rate of
 * groups not named. Each at least 0 and finite.
 *
 * @example
 * ```ts
 * import type { LearningRates } from "@graft/graft/train";
 * const lr: LearningRates = { features: 1e-4, classifier: 1e-2 };
 * ```
 */
export type LearningRates = number | Record<string, number>;

/**
 * An optimizer and its settings, with PyTorch's semantics, ranges and defaults:
 * - `sgd`: `momentum` (0, in [0, 1]), `nesterov` (false; needs momentum above 0 and no
 *   dampening), `dampening` (0, in [0, 1]), `weightDecay` (0, L2 added to the gradient);
 * - `adam`: `beta1` (0.9), `beta2` (0.999), each in [0, 1), `epsilon` (1e-8, at least 0),
 *   `weightDecay` (0, L2);
 * - `adamw`: as adam, `weightDecay` (0.01) decoupled: `p -= lr * wd * p` before the Adam step.
 *
 * @example
 * ```ts
 * import type { OptimizerConfig } from "@graft/graft/train";
 * const sgd: OptimizerConfig = { type: "sgd", lr: 0.001, momentum: 0.9 };
 * const adamw: OptimizerConfig = { type: "adamw", lr: { features: 1e-4, classifier: 1e-3 } };
 * ```
 */
export type OptimizerConfig =
  | {
    type: "sgd";
    lr: LearningRates;
    momentum?: number | undefined;
    nesterov?: boolean | undefined;
    dampening?: number | undefined;
    weightDecay?: number | undefined;
  }
  | {
    type: "adam" | "adamw";
    lr: LearningRates;
    beta1?: number | undefined;
    beta2?: number | undefined;
    epsilon?: number | undefined;
    weightDecay?: number | undefined;
  };

/**
 * A learning-rate schedule, applied before every step as a factor of each group's base rate.
 *
 * - `constant`: the base rate throughout.
 * - `step`: multiplied by `gamma` (0.1) every `stepSize` epochs (PyTorch `StepLR`).
 * - `cosine`: cosine annealing from the base rate to `minFactor` (0) × base over the run, after
 *   an optional linear warm-up of `warmupSteps` (PyTorch `CosineAnnealingLR` per step).
 * - `oneCycle`: PyTorch `OneCycleLR` with cosine annealing: from base / `divFactor` (25) up to
 *   the base rate (the maximum) over `pctStart` (0.3, in (0, 1)) of the run, then down to base /
 *   (`divFactor` × `finalDivFactor` (1e4)).
 *
 * @example
 * ```ts
 * import type { Schedule } from "@graft/graft/train";
 * const s: Schedule = { type: "oneCycle", pctStart: 0.25 };
 * ```
 */
export type Schedule =
  | { type: "constant" }
  | { type: "step"; stepSize: number; gamma?: number | undefined }
  | { type: "cosine"; minFactor?: number | undefined; warmupSteps?: number | undefined }
  | {
    type: "oneCycle";
    pctStart?: number | undefined;
    divFactor?: number | undefined;
    finalDivFactor?: number | undefined;
  };

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

/**
 * Options of `earlyStopping()`: stop when `monitor` (default `valLoss`) has not improved by more
 * than `minDelta` (0) for `patience` (3, an integer of at least 1) epochs, and put back the best
 * epoch's weights at the end (`restoreBestWeights`, default true).
 *
 * @example
 * ```ts
 * import type { EarlyStoppingOptions } from "@graft/graft/train";
 * const o: EarlyStoppingOptions = { monitor: "valLoss", patience: 3 };
 * ```
 */
export type EarlyStoppingOptions = {
  monitor?: Monitor | undefined;
  patience?: number | undefined;
  minDelta?: number | undefined;
  restoreBestWeights?: boolean | undefined;
};
