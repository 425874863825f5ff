/**
 * Graft side of `deno task bench cpu`: trains one benchmark model for a fixed number of steps
 * on synthetic CIFAR-sized batches and prints one JSON line. Run in its own process so that its
 * peak memory (VmHWM) is its own.
 *
 * Usage: deno run --allow-read --allow-env --allow-ffi --allow-sys graft_worker.ts MODEL BATCH
 * STEPS WARMUP BACKEND
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";
import { build } from "../../compile/mod.ts";
import { type BackendName, useBackend } from "../../backends/mod.ts";
import { NativeMomentumOptimizer } from "../../backends/native/mod.ts";
import { type BenchModel, benchSpec } from "./_models.ts";

/** Largest RSS seen between steps (the runner replaces it with the true peak from getrusage). */
let peakRss = 0;
function peakRssMb(): number {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  return peakRss / 2 ** 20;
}

const [model, batchArg, stepsArg, warmupArg, backendArg] = Deno.args;
const batch = Number(batchArg), steps = Number(stepsArg), warmup = Number(warmupArg);
const info = await useBackend((backendArg ?? "native") as BackendName, { quiet: true });
const net = build(benchSpec(model as BenchModel), { seed: 0 });
const x = tf.randomUniform([batch, 32, 32, 3]);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32"), 10);
const opt = info.tfBackend === "graft-native"
  ? new NativeMomentumOptimizer(0.001, 0.9)
  : tf.train.momentum(0.001, 0.9);
const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
let loss = NaN;
const step = () => {
  const l = opt.minimize(
    () => tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor),
    true,
    vars,
  )!;
  loss = l.dataSync()[0]!;
  l.dispose();
  peakRssMb();
};
for (let i = 0; i < warmup; i++) step();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  side: "graft",
  model,
  batch,
  steps,
  seconds,
  images_per_s: (batch * steps) / seconds,
  peak_rss_mb: peakRssMb(),
  backend: `${info.chosen} (${info.detail})`,
  last_loss: loss,
  tensors: tf.memory().numTensors,
}));
