// One epoch's commit into a run folder, in an order that survives a kill at any instant:
// 1. last.safetensors (written to a temporary file, then renamed),
// 2. best.safetensors as a hard link to it when the epoch is the best so far (no second copy),
// 3. the metrics line, 4. run.json.
// A kill before 1 loses the epoch; after 1 the checkpoint (which holds the whole history) is the
// truth, and resuming rebuilds metrics.jsonl and best.safetensors from it (see _resume.ts).
import { join } from "node:path";
import type { Callback, EpochEndEvent } from "../train/mod.ts";
import type { RunFolder } from "./_run_folder.ts";

/** What a run's best checkpoint is chosen by. */
export const BEST_MONITOR = "valAccuracy";

/** The epoch of `history` with the highest validation accuracy (the first of equals), if any. */
export function bestEpoch(history: readonly EpochEndEvent[]): number | undefined {
  let best: EpochEndEvent | undefined;
  for (const e of history) {
    if (e.valAccuracy === undefined || !Number.isFinite(e.valAccuracy)) continue;
    if (!best || e.valAccuracy > best.valAccuracy!) best = e;
  }
  return best?.epoch;
}

/** Points where tests kill the process (`GRAFT_CRASH_AT=point@epoch`). */
export type CrashPoint =
  | "checkpoint-write"
  | "between-checkpoints"
  | "before-metrics"
  | "after-metrics";

function crashAt(): { point: string; epoch: number } | undefined {
  let v: string | undefined;
  try {
    v = Deno.env.get("GRAFT_CRASH_AT");
  } catch {
    return undefined;
  }
  const m = v?.match(/^([a-z-]+)@(\d+)$/);
  return m ? { point: m[1]!, epoch: Number(m[2]) } : undefined;
}

/** Points a link at `target` atomically (a temporary link, then a rename over the old one). */
export async function linkAtomic(target: string, path: string): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.link(target, tmp);
  } catch {
    await Deno.copyFile(target, tmp); // file systems without hard links
  }
  await Deno.rename(tmp, path);
}

/**
 * The callback that commits each epoch into the run folder. `history` is the history restored
 * from a checkpoint when resuming; `validation` says whether epochs have validation metrics
 * (without them no best checkpoint is kept).
 */
export function epochCommit(
  folder: RunFolder,
  history: readonly EpochEndEvent[],
  options: {
    readonly validation: boolean;
    readonly onLine: (line: string) => void;
    readonly status: (epoch: number, epochs: number) => Promise<void>;
  },
): Callback {
  const crash = crashAt();
  const hook = async (point: CrashPoint, epoch: number, last: string) => {
    if (!crash || crash.point !== point || crash.epoch !== epoch) return;
    if (point === "checkpoint-write") {
      // What a kill in the middle of the write leaves: half a temporary file.
      const bytes = await Deno.readFile(last).catch(() => new Uint8Array(4096));
      await Deno.writeFile(`${last}.crash0000.tmp`, bytes.subarray(0, bytes.length >> 1));
    }
    Deno.exit(137);
  };
  const seen = [...history];
  const metrics = join(folder.dir, "metrics.jsonl");
  const last = join(folder.checkpoints, "last.safetensors");
  const best = join(folder.checkpoints, "best.safetensors");
  return {
    async onEpochEnd(event, ctx) {
      await hook("checkpoint-write", event.epoch, last);
      await ctx.saveCheckpoint(last);
      await hook("between-checkpoints", event.epoch, last);
      seen.push(event);
      if (options.validation && bestEpoch(seen) === event.epoch) await linkAtomic(last, best);
      await hook("before-metrics", event.epoch, last);
      const line = JSON.stringify(event);
      await Deno.writeTextFile(metrics, line + "\n", { append: true });
      options.onLine(line);
      await hook("after-metrics", event.epoch, last);
      await options.status(event.epoch, event.epochs);
    },
  };
}
