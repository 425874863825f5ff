// One epoch's commit into a run folder, in an order that survives a kill at any instant:
// 1.-2. the library's checkpointing(): last.safetensors (a temporary file, then renamed), then
// best.safetensors as a hard link to it when the epoch is the best so far (no second copy);
// 3. the metrics line, 4. run.json.
// A kill before 1 loses the epoch; after 1 the checkpoint (which holds the whole history and the
// best epoch) is the truth, and resuming rebuilds metrics.jsonl and best.safetensors from it
// (see _resume.ts).
import { join } from "node:path";
import { type Callback, checkpointing, type TrainContext } from "../train/mod.ts";
import type { RunFolder } from "./_run_folder.ts";

/** What a run's best checkpoint is chosen by. */
export const BEST_MONITOR = "valAccuracy";

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

/**
 * The callback that commits each epoch into the run folder: {@linkcode checkpointing} (by
 * validation accuracy when epochs have validation metrics; without them no best checkpoint is
 * kept), then the epoch's metrics line, then the run's status.
 */
export function epochCommit(
  folder: RunFolder,
  options: {
    readonly validation: boolean;
    readonly onLine: (line: string) => void;
    readonly status: (epoch: number, epochs: number) => Promise<void>;
  },
): Callback {
  const crash = crashAt();
  const hook = async (point: CrashPoint, epoch: number) => {
    if (!crash || crash.point !== point || crash.epoch !== epoch) return;
    if (point === "checkpoint-write") {
      // What a kill in the middle of the write leaves: half a temporary file.
      const last = join(folder.checkpoints, "last.safetensors");
      const bytes = await Deno.readFile(last).catch(() => new Uint8Array(4096));
      await Deno.writeFile(`${last}.crash0000.tmp`, bytes.subarray(0, bytes.length >> 1));
    }
    Deno.exit(137);
  };
  const checkpoints = checkpointing({
    dir: folder.checkpoints,
    ...(options.validation ? { monitor: BEST_MONITOR } : {}),
  });
  const metrics = join(folder.dir, "metrics.jsonl");
  return {
    ...checkpoints,
    async onEpochEnd(event, ctx) {
      // The crash points around and inside checkpointing's own steps (its saveCheckpoint).
      const inner: TrainContext = Object.create(ctx, {
        saveCheckpoint: {
          value: async (path: string) => {
            await hook("checkpoint-write", event.epoch);
            const written = await ctx.saveCheckpoint(path);
            await hook("between-checkpoints", event.epoch);
            return written;
          },
        },
      });
      await checkpoints.onEpochEnd!(event, inner);
      await hook("before-metrics", event.epoch);
      const line = JSON.stringify(event);
      await Deno.writeTextFile(metrics, line + "\n", { append: true });
      options.onLine(line);
      await hook("after-metrics", event.epoch);
      await options.status(event.epoch, event.epochs);
    },
  };
}
