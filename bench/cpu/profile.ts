/**
 * `deno task bench profile [MODEL] [BACKEND] [BATCH] [--tfjs-batch-norm]`: where one training step
 * of a CPU benchmark model spends its time, kernel by kernel (`tf.profile`), after two warm-up
 * steps. Prints the step time and a Markdown table of the kernels by total time.
 * `--tfjs-batch-norm` removes Graft's fused batch-norm kernels first, to measure TensorFlow.js's
 * own composite BatchNorm for comparison.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers";
import { build } from "../../compile/mod.ts";
import { type BackendName, useBackend } from "../../backends/mod.ts";
import { NativeMomentumOptimizer } from "../../backends/native/mod.ts";
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from "../../kernels/mod.ts";
import { BENCH_MODELS, type BenchModel, benchSpec } from "./_models.ts";

/** One kernel's share of a step. */
export interface KernelTime {
  readonly name: string;
  readonly ms: number;
  readonly calls: number;
}

/**
 * Profiles one training step (SGD with momentum, softmax cross-entropy, synthetic batch).
 *
 * @example
 * ```ts
 * const { stepMs, kernels } = await profileStep("cifar_vgg16", "native", 64);
 * ```
 */
export async function profileStep(
  model: BenchModel,
  backend: BackendName,
  batch: number,
  tfjsBatchNorm = false,
): Promise<{ stepMs: number; kernels: KernelTime[]; detail: string }> {
  const info = await useBackend(backend, { quiet: true });
  if (tfjsBatchNorm) {
    for (const name of [BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_GRAD_KERNEL]) {
      if (tf.getKernel(name, info.tfBackend)) tf.unregisterKernel(name, info.tfBackend);
    }
  }
  const net = build(benchSpec(model), { seed: 0 });
  const x = tf.randomUniform([batch, 32, 32, 3]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32"), 10);
  const opt = info.tfBackend === "graft-native"
    ? new NativeMomentumOptimizer(0.001, 0.9)
    : tf.train.momentum(0.001, 0.9);
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as tf.Tensor),
      true,
      vars,
    )!;
    loss.dataSync();
    loss.dispose();
  };
  step();
  step();
  const t0 = performance.now();
  step();
  const stepMs = performance.now() - t0;
  const profile = await tf.profile(step);
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    // Op-level scopes (`fusedConv2d__op`) wrap kernels already listed; keep kernels only.
    if (k.name.endsWith("__op") || k.name === "unnamed scope") continue;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs);
    e.calls++;
    byName.set(k.name, e);
  }
  const kernels = [...byName].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
  return { stepMs, kernels, detail: `${info.chosen} (${info.detail})` };
}

/**
 * Runs {@linkcode profileStep} from command-line arguments and prints the table.
 *
 * @example
 * ```ts
 * await runProfile(["cifar_vgg16_bn", "native", "64"]);
 * ```
 */
export async function runProfile(args: string[]): Promise<void> {
  const tfjsBatchNorm = args.includes("--tfjs-batch-norm");
  const [model = "cifar_vgg16", backend = "native", batch = "64"] = args.filter((a) =>
    !a.startsWith("--")
  );
  if (!BENCH_MODELS.includes(model as BenchModel)) {
    throw new Error(`Unknown benchmark model: expected one of ${BENCH_MODELS.join(", ")}`);
  }
  const r = await profileStep(
    model as BenchModel,
    backend as BackendName,
    Number(batch),
    tfjsBatchNorm,
  );
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  const bn = tfjsBatchNorm ? ", TensorFlow.js's composite BatchNorm" : "";
  console.log(`- ${model}, batch ${batch}, ${r.detail}${bn}, ${when} UTC.`);
  console.log(`- One training step: ${r.stepMs.toFixed(0)} ms (timed outside the profiler)\n`);
  console.log("| kernel | ms | calls |\n| --- | ---: | ---: |");
  for (const k of r.kernels.filter((k) => k.ms >= 1)) {
    console.log(`| ${k.name} | ${k.ms.toFixed(1)} | ${k.calls} |`);
  }
}
