import { join } from "node:path";
import type { BatchEndEvent, EpochEndEvent } from "../train/mod.ts";
import { writeAtomic } from "./_atomic.ts";

/**
 * One training update as kept in a run folder's `steps.csv`.
 *
 * @example
 * ```ts
 * import type { StepRecord } from "@graft/graft/report";
 * const s: StepRecord = {
 *   step: 1, epoch: 1, batch: 1, batches: 10, loss: 2.3, accuracy: 0.1, imagesPerSecond: 400,
 *   lr: { features: 0.01 },
 * };
 * ```
 */
export interface StepRecord {
  /** Updates done so far in the run (this one included). */
  readonly step: number;
  /** 1-based epoch number. */
  readonly epoch: number;
  /** 1-based batch number within the epoch. */
  readonly batch: number;
  /** Batches in the epoch. */
  readonly batches: number;
  /** This batch's training loss. */
  readonly loss: number;
  /** This batch's top-1 accuracy. */
  readonly accuracy: number;
  /** This batch's throughput. */
  readonly imagesPerSecond: number;
  /** Learning rate of each group. */
  readonly lr: Readonly<Record<string, number>>;
}

const FIXED = ["step", "epoch", "batch", "batches", "loss", "accuracy", "images_per_second"];
const num = (v: number) => Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));

/**
 * Rows of `steps.csv` for training updates: one line per step with loss, accuracy, images/s
 * and one `lr:GROUP` column per group. `header` gives the header line first.
 *
 * @example
 * ```ts
 * import { stepsCsv } from "@graft/graft/report";
 * const rows = [{ step: 1, epoch: 1, batch: 1, batches: 2, loss: 2.302585, accuracy: 0.125,
 *   imagesPerSecond: 412.5, lr: { classifier: 0.001 } }];
 * console.log(stepsCsv(rows, true));
 * // step,epoch,batch,batches,loss,accuracy,images_per_second,lr:classifier
 * // 1,1,1,2,2.30259,0.125,412.5,0.001
 * ```
 */
export function stepsCsv(rows: readonly (StepRecord | BatchEndEvent)[], header: boolean): string {
  const first = rows[0];
  if (!first) return "";
  const groups = Object.keys(first.lr);
  const lines = header ? [[...FIXED, ...groups.map((g) => `lr:${g}`)].join(",")] : [];
  for (const r of rows) {
    lines.push(
      [
        r.step,
        r.epoch,
        r.batch,
        "batches" in r ? r.batches : 0,
        r.loss,
        r.accuracy,
        r.imagesPerSecond,
        ...groups.map((g) => r.lr[g] ?? NaN),
      ].map(num).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Parses `steps.csv` text back into records (blank and malformed lines are skipped, so a file
 * cut short by a kill still reads).
 *
 * @example
 * ```ts
 * import { parseStepsCsv } from "@graft/graft/report";
 * const rows = parseStepsCsv("step,epoch,batch,batches,loss,accuracy,images_per_second,lr:head\n" +
 *   "1,1,1,2,2.3,0.125,412.5,0.001\n");
 * console.log(rows[0]!.lr.head); // 0.001
 * ```
 */
export function parseStepsCsv(text: string): StepRecord[] {
  const [head, ...lines] = text.split("\n");
  if (!head) return [];
  const cols = head.split(",");
  const groups = cols.slice(FIXED.length).map((c) => c.replace(/^lr:/, ""));
  const out: StepRecord[] = [];
  for (const line of lines) {
    const v = line.split(",").map(Number);
    if (v.length !== cols.length || v.some((x) => Number.isNaN(x))) continue;
    out.push({
      step: v[0]!,
      epoch: v[1]!,
      batch: v[2]!,
      batches: v[3]!,
      loss: v[4]!,
      accuracy: v[5]!,
      imagesPerSecond: v[6]!,
      lr: Object.fromEntries(groups.map((g, i) => [g, v[FIXED.length + i]!])),
    });
  }
  return out;
}

const METRIC_COLUMNS = [
  "epoch",
  "step",
  "loss",
  "accuracy",
  "valLoss",
  "valAccuracy",
  "valTop5",
  "imagesPerSecond",
  "dataWaitMs",
  "elapsedMs",
  "totalElapsedMs",
] as const;

/**
 * `metrics.csv` for spreadsheets: one row per epoch (the lines of `metrics.jsonl`), with one
 * `lr:GROUP` column per group.
 *
 * @example
 * ```ts
 * import { metricsCsv } from "@graft/graft/report";
 * const csv = metricsCsv([{ epoch: 1, epochs: 1, step: 10, loss: 1.5, accuracy: 0.4,
 *   lr: { head: 0.01 }, imagesPerSecond: 300, dataWaitMs: 5, elapsedMs: 1000, totalElapsedMs: 1000 }]);
 * console.log(csv.split("\n")[1]); // 1,10,1.5,0.4,,,,300,5,1000,1000,0.01
 * ```
 */
export function metricsCsv(epochs: readonly EpochEndEvent[]): string {
  const groups = [...new Set(epochs.flatMap((e) => Object.keys(e.lr)))];
  const lines = [[...METRIC_COLUMNS, ...groups.map((g) => `lr:${g}`)].join(",")];
  for (const e of epochs) {
    lines.push(
      [...METRIC_COLUMNS.map((c) => e[c]), ...groups.map((g) => e.lr[g])]
        .map((v) => v === undefined ? "" : num(v)).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Reads a run folder's `metrics.jsonl` (one epoch per line; a line cut short is skipped).
 *
 * @example
 * ```ts ignore
 * import { readMetrics } from "@graft/graft/report";
 * const epochs = await readMetrics("runs/demo");
 * ```
 */
export async function readMetrics(runDir: string): Promise<EpochEndEvent[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(runDir, "metrics.jsonl"));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const out: EpochEndEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* a line cut short by a kill */ }
  }
  return out;
}

/**
 * Rewrites `metrics.csv` from `metrics.jsonl` in a run folder.
 *
 * @example
 * ```ts ignore
 * import { writeMetricsCsv } from "@graft/graft/report";
 * await writeMetricsCsv("runs/demo");
 * ```
 */
export async function writeMetricsCsv(runDir: string): Promise<void> {
  await writeAtomic(join(runDir, "metrics.csv"), metricsCsv(await readMetrics(runDir)));
}
