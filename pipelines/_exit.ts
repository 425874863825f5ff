// The CLI's exit codes: 2 when what the user gave is wrong (flags, config, data, weights, run
// folder), 1 when a run that started fails.
import { DataError } from "../data/mod.ts";
import { ShapeError, SpecError } from "../dsl/mod.ts";
import { TrainError } from "../train/mod.ts";
import { WeightsError } from "../weights/mod.ts";
import { ConfigError } from "./_config.ts";

/** Whether an error is one of Graft's own (its message is written for the user). */
export function isGraftError(e: unknown): boolean {
  return e instanceof ConfigError || e instanceof DataError || e instanceof WeightsError ||
    e instanceof SpecError || e instanceof ShapeError || e instanceof TrainError;
}

/** The exit code for an error thrown by a run. */
export function exitCodeOf(e: unknown): 1 | 2 {
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  if (code === 1 || code === 2) return code;
  if (
    e instanceof ConfigError || e instanceof DataError || e instanceof WeightsError ||
    e instanceof SpecError || e instanceof ShapeError
  ) return 2;
  if (e instanceof TrainError) return 1;
  return 1;
}
