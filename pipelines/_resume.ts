// Resuming a run: the settings that gave its finished epochs their meaning must not change; the
// checkpoint (which holds every finished epoch's metrics) is the truth the folder is repaired to.
import { join } from "node:path";
import {
  type EpochEndEvent,
  type Schedule,
  scheduleFactor,
  type TrainState,
} from "../train/mod.ts";
import { findCheckpoint, readCheckpoint } from "../weights/mod.ts";
import { linkAtomic } from "../train/_link_atomic.ts";
import { ConfigError, type ConfigProblem } from "./_config.ts";
import type { PipelineConfig } from "./_config_schema.ts";
import { FLAG_KEYS } from "./_flags.ts";
import { writeAtomic } from "./_run_folder.ts";

/** Settings that change what finished epochs meant (dotted prefixes of config keys). */
const MEANING = [
  "name",
  "model",
  "data.limitTrain",
  "data.validation",
  "data.resize",
  "data.augment",
  "train.batchSize",
  "train.seed",
  "train.labelSmoothing",
  "train.optimizer",
  "train.schedule",
];

function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out.set(prefix, JSON.stringify(value));
  return out;
}

/** Every meaningful setting that differs between the run's config and this one, as problems. */
export function changedSettings(run: PipelineConfig, now: PipelineConfig): ConfigProblem[] {
  const a = leaves(run, "", new Map()), b = leaves(now, "", new Map());
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) =>
    MEANING.some((m) => k === m || k.startsWith(`${m}.`))
  ).sort();
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    if (a.get(key) === b.get(key)) continue;
    const flag = FLAG_KEYS[key];
    problems.push({
      key: flag ?? key,
      message: `${key} was ${a.get(key) ?? "unset"} for the finished epochs, now ${
        b.get(key) ?? "unset"
      }: it would change what they meant (start a new run with --out to try it)`,
    });
  }
  return problems;
}

/** What a resumed run starts from. */
export interface ResumeState {
  /** The checkpoint to continue from (none when no epoch was committed). */
  readonly checkpoint?: string;
  /** Epochs already done. */
  readonly epoch: number;
  /** Updates already done. */
  readonly step: number;
  /** Metrics of the finished epochs. */
  readonly history: readonly EpochEndEvent[];
}

/**
 * Reads where a run folder stands and repairs it to its checkpoint: metrics.jsonl gets exactly
 * one line per committed epoch and best.safetensors points at the best committed epoch.
 */
export async function restoreRunFolder(dir: string): Promise<ResumeState> {
  let file: string;
  try {
    file = await findCheckpoint(dir);
  } catch {
    await writeAtomic(join(dir, "metrics.jsonl"), "");
    return { epoch: 0, step: 0, history: [] };
  }
  const info = (await readCheckpoint(file)).training?.state as TrainState | undefined;
  if (!info) return { epoch: 0, step: 0, history: [] };
  const history = info.history;
  await writeAtomic(
    join(dir, "metrics.jsonl"),
    history.map((e) => JSON.stringify(e) + "\n").join(""),
  );
  // checkpointing()'s state: the best epoch so far, this one included.
  const best = (info.callbacks["checkpointing"] as { bestEpoch?: unknown } | undefined)?.bestEpoch;
  const bestFile = join(dir, "checkpoints", "best.safetensors");
  if (best !== undefined && best === info.epoch) {
    const same = await Promise.all([Deno.stat(file), Deno.stat(bestFile)])
      .then(([a, b]) => a.ino !== null && a.ino === b.ino)
      .catch(() => false);
    if (!same) await linkAtomic(file, bestFile);
  }
  return { checkpoint: file, epoch: info.epoch, step: info.step, history };
}

/**
 * How the schedule continues when `--epochs` extends a run from `before` to `after` epochs of
 * `stepsPerEpoch` steps, in one sentence.
 */
export function scheduleContinuation(
  schedule: Schedule,
  before: number,
  after: number,
  done: number,
  stepsPerEpoch: number,
): string {
  const step = done * stepsPerEpoch;
  if (schedule.type === "constant" || schedule.type === "step") {
    return `Continuing to epoch ${after} (the run asked for ${before}): the ${schedule.type} ` +
      `learning-rate schedule does not depend on the number of epochs and continues unchanged`;
  }
  const f = (s: number, epochs: number) => {
    const v = scheduleFactor(schedule, s, epochs * stepsPerEpoch, stepsPerEpoch);
    return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(2) : v.toPrecision(3);
  };
  return `Continuing to epoch ${after} (the run asked for ${before}): the ${schedule.type} ` +
    `schedule is planned over all epochs, so it is re-planned over ${after}: the learning-rate ` +
    `factor was ${f(step - 1, before)} at step ${step}, and is ${f(step, after)} at step ${
      step + 1
    } on the new plan (start a new run to keep one ${schedule.type} cycle)`;
}

/** Refuses a resume whose settings changed; returns the problems as a ConfigError. */
export function checkResume(
  dir: string,
  run: PipelineConfig,
  now: PipelineConfig,
  done: number,
): void {
  const problems = changedSettings(run, now);
  if (now.train.epochs < done) {
    problems.push({
      key: "--epochs",
      message: `${now.train.epochs} is fewer than the ${done} epochs ${dir} has finished`,
    });
  }
  if (problems.length) throw new ConfigError(dir, problems, `Cannot resume ${dir}`);
}
