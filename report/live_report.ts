import { join } from "node:path";
import type { BatchEndEvent, Callback } from "../train/mod.ts";
import { writeAtomic } from "./_atomic.ts";
import { writeRunReport } from "./run_report.ts";
import { stepsCsv, writeMetricsCsv } from "./steps.ts";

/**
 * Options of {@linkcode liveReport}.
 *
 * @example
 * ```ts
 * import type { LiveReportOptions } from "@graft/graft/report";
 * const o: LiveReportOptions = { dir: "runs/demo" };
 * ```
 */
export interface LiveReportOptions {
  /** The run folder (it must exist). */
  readonly dir: string;
  /** Write `report.html` at the end of each epoch. Default: true. */
  readonly html?: boolean;
}

/**
 * A training callback that keeps a run folder's per-step record (`steps.csv`, appended at
 * each epoch's end), `metrics.csv` (from `metrics.jsonl`, so put it after the callback that
 * writes that) and a live `report.html`, rewritten at the end of each epoch.
 *
 * @example
 * ```ts
 * import { liveReport } from "@graft/graft/report";
 * const cb = liveReport({ dir: "runs/demo" });
 * console.log(typeof cb.onEpochEnd); // "function"
 * ```
 */
export function liveReport(options: LiveReportOptions): Callback {
  const file = join(options.dir, "steps.csv");
  let pending: BatchEndEvent[] = [];
  let header = true;
  const flush = async () => {
    if (!pending.length) return;
    const rows = pending;
    pending = [];
    await Deno.writeTextFile(file, stepsCsv(rows, header), { append: true });
    header = false;
  };
  return {
    async onTrainBegin(e) {
      // A resumed run keeps its steps up to its checkpoint; steps after it are dropped.
      let text = "";
      try {
        text = await Deno.readTextFile(file);
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
      const done = (e.startEpoch - 1) * e.stepsPerEpoch;
      const lines = text.split("\n").filter((l) => l.trim());
      const kept = lines.filter((l, i) => i === 0 || Number(l.split(",")[0]) <= done);
      header = kept.length === 0;
      await writeAtomic(file, kept.length ? kept.join("\n") + "\n" : "");
    },
    onBatchEnd(e) {
      pending.push(e);
    },
    async onEpochEnd() {
      await flush();
      await writeMetricsCsv(options.dir);
      if (options.html ?? true) await writeRunReport(options.dir, { status: "live" });
    },
    async onTrainEnd() {
      await flush();
    },
  };
}
