/**
 * Graft side of `deno task bench cpu`: trains one benchmark model with `train()` for a fixed
 * number of steps on synthetic CIFAR-sized batches and prints one JSON line. Run in its own
 * process so that its peak memory (VmHWM) is its own.
 *
 * Usage: deno run --allow-read --allow-env --allow-ffi --allow-sys graft_worker.ts MODEL BATCH
 * STEPS WARMUP BACKEND
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, useBackend } from "../../backends/mod.ts";
import type { BenchModel } from "./_models.ts";
import { trainSteps } from "./_train_run.ts";

const [model, batchArg, stepsArg, warmupArg, backendArg] = Deno.args;
const batch = Number(batchArg), steps = Number(stepsArg), warmup = Number(warmupArg);
const info = await useBackend((backendArg ?? "native") as BackendName, { quiet: true });
const run = await trainSteps(model as BenchModel, batch, warmup + steps);
const from = warmup > 0 ? run.stepEnds[warmup - 1]! : run.started;
const timed = run.stepEnds.at(-1)! - from;
const seconds = timed / 1000;
console.log(JSON.stringify({
  side: "graft",
  model,
  batch,
  steps,
  seconds,
  images_per_s: (batch * steps) / seconds,
  peak_rss_mb: Deno.memoryUsage().rss / 2 ** 20,
  backend: `${info.chosen} (${info.detail})`,
  last_loss: run.lastLoss,
  tensors: tf.memory().numTensors,
}));
