// Reading and comparing the metric that early stopping and checkpointing watch.
import type { EpochEndEvent } from "./events.ts";
import type { Monitor } from "./config.ts";
import { TrainError } from "./errors.ts";

/** Whether `a` improves on `b` by more than `minDelta` (lower is better for losses). */
export function improves(monitor: Monitor, a: number, b: number, minDelta: number): boolean {
  return monitor.endsWith("oss") ? a < b - minDelta : a > b + minDelta;
}

/** The monitored metric of an epoch; an error when the run has no validation data. */
export function monitored(event: EpochEndEvent, monitor: Monitor): number {
  const v = event[monitor];
  if (v === undefined) {
    throw new TrainError("Cannot monitor", [
      `${monitor}: the run has no validation data (give validation)`,
    ]);
  }
  return v;
}
