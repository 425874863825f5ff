import type { OptimizerConfig, Schedule } from "./config.ts";
import type { EpochEndEvent } from "./events.ts";

/**
 * The settings that give a run's finished epochs their meaning; a resumed run must use the
 * same.
 *
 * @example
 * ```ts
 * import type { TrainSettings } from "@graft/graft/train";
 * const show = (s: TrainSettings) => `${s.epochs} epochs of ${s.trainSize} images`;
 * ```
 */
export interface TrainSettings {
  /** The last epoch the run was asked for. */
  epochs: number;
  /** Seed of shuffling and augmentation. */
  seed: number;
  /** Images per update. */
  batchSize: number;
  /** Training images per epoch. */
  trainSize: number;
  /** The optimizer. */
  optimizer: OptimizerConfig;
  /** The learning-rate schedule. */
  schedule: Schedule;
  /** Label smoothing of the loss. */
  labelSmoothing: number;
}

/**
 * Everything about a training run that is not a tensor, as a checkpoint stores it (JSON, read
 * back through a zod schema): where it is (epoch, step, the data generator's state), its
 * settings, its history, and the state of callbacks that keep one (the best value so far, early
 * stopping's patience). With the weights and the optimizer's slots, it resumes the run exactly.
 *
 * @example
 * ```ts
 * import type { TrainState } from "@graft/graft/train";
 * const show = (s: TrainState) => `epoch ${s.epoch}, step ${s.step}`;
 * ```
 */
export interface TrainState {
  /** Epochs completed. */
  readonly epoch: number;
  /** Updates done. */
  readonly step: number;
  /** The optimizer's own update count (Adam's bias correction). */
  readonly optimizerStep: number;
  /** The data generator's state after `epoch` (four 32-bit words). */
  readonly rng: readonly number[];
  /** The run's settings. */
  readonly settings: TrainSettings;
  /** Metrics of every completed epoch. */
  readonly history: readonly EpochEndEvent[];
  /** Each stateful callback's state, by its `stateKey`. */
  readonly callbacks: Readonly<Record<string, unknown>>;
}

const SETTINGS: readonly (keyof TrainSettings)[] = [
  "epochs",
  "seed",
  "batchSize",
  "trainSize",
  "optimizer",
  "schedule",
  "labelSmoothing",
];

/**
 * Every setting of this run that differs from the stored run's, each named with both values.
 * Only `epochs` may grow, and only when the schedule does not span the run (`constant`,
 * `step`): a cosine or one-cycle schedule planned over the stored number of epochs would be
 * re-planned.
 *
 * @example
 * ```ts
 * import { settingsMismatches, type TrainSettings } from "@graft/graft/train";
 * const a: TrainSettings = {
 *   epochs: 3, seed: 0, batchSize: 8, trainSize: 64, labelSmoothing: 0,
 *   optimizer: { type: "sgd", lr: 0.1 }, schedule: { type: "constant" },
 * };
 * console.log(settingsMismatches(a, { ...a, seed: 1, epochs: 5 }));
 * // ["seed: the checkpoint's run used 0, this run 1"]
 * ```
 */
export function settingsMismatches(stored: TrainSettings, current: TrainSettings): string[] {
  const out: string[] = [];
  const show = (v: unknown) => typeof v === "object" ? JSON.stringify(v) : String(v);
  for (const key of SETTINGS) {
    const a = stored[key];
    const b = current[key];
    if (canonical(a) === canonical(b)) continue;
    if (key === "epochs") {
      const spans = stored.schedule.type === "cosine" || stored.schedule.type === "oneCycle";
      if (!spans) continue;
      out.push(
        `epochs: the checkpoint's ${stored.schedule.type} schedule spans ${show(a)} epochs, ` +
          `this run asks for ${show(b)} (the schedule would be re-planned)`,
      );
      continue;
    }
    out.push(`${key}: the checkpoint's run used ${show(a)}, this run ${show(b)}`);
  }
  return out;
}

/** JSON with object keys sorted and undefined fields dropped, for comparing settings. */
function canonical(v: unknown): string {
  return JSON.stringify(
    v,
    (_k, x) =>
      x !== null && typeof x === "object" && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => p < q ? -1 : 1))
        : x,
  );
}
