/**
 * The Graft side of the GPU benchmark. It measures what users run: `train()` on the real data
 * path (CIFAR-10 records read by `loadCifar10`, normalised, augmented and shuffled by
 * `cifarDataset`, prepared and uploaded a batch ahead by the loop, losses read back every
 * `--every` steps), then `evaluate()` on the test records. Models: (a) a CIFAR-style VGG16
 * (VGG16 features, then a 10-way linear layer), (b) the seed recipe (torchvision-layout vgg16 at
 * 32×32, new 10-way head, `features` frozen, SGD lr 0.001 momentum 0.9), and `small_vgg` (the
 * DSL's small VGG, for quick local runs). A second line per model times a minimal loop on the
 * same device batches (TensorFlow.js's own momentum optimizer and softmax cross-entropy, no
 * augmentation): the gap between the two is what Graft's loop costs. One JSON line each.
 *
 * Run here with `deno task bench gpu [--data PATH] [--models small_vgg] [--batch 32] …` (any
 * WebGPU adapter, llvmpipe included); bundled by pack.sh from bench/gpu/main.ts and run by
 * run.sh on the device machine.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  dense,
  flatten,
  sequential,
  smallVgg,
  type Spec,
  vgg16,
  vggFeatures,
} from "../../dsl/mod.ts";
import { build } from "../../compile/mod.ts";
import { type Cifar10, cifarDataset, loadCifar10 } from "../../data/mod.ts";
import { prefetchToDevice, registerWebGpu } from "../../backends/webgpu/mod.ts";
import { evaluate, train } from "../../train/mod.ts";
import { StepReadback } from "../../train/_readback.ts";

const SPECS: Record<string, { spec: () => Spec; lr: number }> = {
  cifar_vgg16: {
    spec: () =>
      sequential("cifar_vgg16", [32, 32, 3], {
        features: vggFeatures(16),
        classifier: [flatten(), dense(10)],
      }),
    lr: 0.01,
  },
  seed: {
    spec: () => vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).freeze("features"),
    lr: 0.001,
  },
  small_vgg: { spec: () => smallVgg({ batchNorm: true }), lr: 0.01 },
};

const round = (v: number, d = 1) => +v.toFixed(d);

/** The benchmark's settings, from the command line. */
interface Settings {
  readonly batch: number;
  readonly steps: number;
  readonly warmup: number;
  readonly every: number;
  readonly maxSeconds: number;
}

/** `train()` for warm-up + steps batches of real CIFAR-10 images, then `evaluate()`. */
async function viaTrain(
  name: string,
  spec: Spec,
  lr: number,
  data: Cifar10,
  { batch, warmup, every, maxSeconds }: Settings,
): Promise<void> {
  const model = build(spec, { seed: 0 });
  const ends: { step: number; at: number }[] = [];
  const t0 = performance.now();
  const result = await train(model, spec, {
    train: cifarDataset(data.train, { augment: true }),
    epochs: 1,
    batchSize: batch,
    optimizer: { type: "sgd", lr, momentum: 0.9 },
    readbackEvery: every,
    callbacks: [{
      onBatchEnd(e, ctx) {
        ends.push({ step: e.step, at: performance.now() });
        const timed = ends.find((x) => x.step >= warmup && x.step % every === 0);
        // A time cap keeps the whole device call inside its budget; the rate stays exact.
        if (maxSeconds > 0 && timed && (performance.now() - timed.at) / 1000 > maxSeconds) {
          ctx.stop("time cap");
        }
      },
    }],
  });
  // Steps are read back in groups of `every` (their events arrive together): time from the
  // end of the group that ends the warm-up.
  const from = ends.find((x) => x.step >= warmup && x.step % every === 0) ?? ends[0]!;
  const to = ends[ends.length - 1]!;
  const seconds = (to.at - from.at) / 1000;
  const epoch = result.history[0];
  const e0 = performance.now();
  const test = await evaluate(model, cifarDataset(data.test), { batchSize: batch });
  const evalSeconds = (performance.now() - e0) / 1000;
  console.log(JSON.stringify({
    framework: "graft",
    loop: "train()",
    backend: tf.getBackend(),
    model: name,
    batch,
    steps: to.step - from.step,
    warmupSteps: from.step,
    capped: result.stopped,
    warmupSeconds: round((from.at - t0) / 1000, 2),
    seconds: round(seconds, 3),
    imagesPerSec: round(((to.step - from.step) * batch) / seconds),
    // The time the loop waited for its next batch (preparing and uploading it), per step.
    dataWaitMsPerStep: epoch ? round(epoch.dataWaitMs / result.step, 2) : null,
    loss: epoch ? round(epoch.loss, 4) : null,
    evaluateImagesPerSec: round(test.count / evalSeconds),
    tensors: tf.memory().numTensors,
  }));
  model.dispose();
}

/** The same model in a minimal loop: tfjs's momentum optimizer on fixed device batches. */
async function minimalLoop(
  name: string,
  spec: Spec,
  lr: number,
  data: Cifar10,
  { batch, steps, warmup, every, maxSeconds }: Settings,
): Promise<void> {
  const model: tfl.LayersModel = build(spec, { seed: 0 });
  const opt = tf.train.momentum(lr, 0.9);
  const ds = cifarDataset(data.train);
  const host = Array.from(
    { length: 4 },
    (_, k) => ds.batch(Array.from({ length: batch }, (_, i) => (k * batch + i) % ds.size)),
  );
  const upload = (b: (typeof host)[number]) => ({
    x: tf.tensor4d(b.x, [b.size, 32, 32, 3]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.labels, "int32"), 10)),
  });
  const cycle = function* (n: number) {
    for (let i = 0; i < n; i++) yield host[i % host.length]!;
  };
  const step = (b: { x: tf.Tensor; y: tf.Tensor }): tf.Tensor =>
    opt.minimize(
      () => tf.losses.softmaxCrossEntropy(b.y, model.apply(b.x, { training: true }) as tf.Tensor),
      true,
    )!;
  const readback = new StepReadback(every);
  const t0 = performance.now();
  for await (const b of prefetchToDevice(cycle(warmup), upload)) {
    const loss = step(b);
    tf.dispose(b);
    readback.push([loss]);
    await readback.flush(); // warm-up compiles every shader: wait for each step
  }
  const t1 = performance.now();
  let done = 0;
  let last = NaN;
  for await (const b of prefetchToDevice(cycle(steps), upload)) {
    const loss = step(b);
    tf.dispose(b);
    done++;
    if (readback.push([loss])) {
      last = (await readback.flush()).at(-1)![0]!;
      if (maxSeconds > 0 && (performance.now() - t1) / 1000 > maxSeconds) break;
    }
  }
  if (readback.pending) last = (await readback.flush()).at(-1)![0]!;
  const seconds = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({
    framework: "graft",
    loop: "minimal",
    backend: tf.getBackend(),
    model: name,
    batch,
    steps: done,
    warmupSeconds: round((t1 - t0) / 1000, 2),
    seconds: round(seconds, 3),
    imagesPerSec: round((done * batch) / seconds),
    loss: round(last, 4),
    tensors: tf.memory().numTensors,
  }));
  opt.dispose();
  model.dispose();
}

/**
 * Runs the benchmark with command-line `args` (`--data`, `--models`, `--batch`, `--steps`,
 * `--warmup`, `--every`, `--backend`, `--no-minimal`, `--max-seconds`) and prints one JSON line
 * per model and loop.
 */
export async function runGpuBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: "string", default: "bench/gpu/dist/cifar10" },
      batch: { type: "string", default: "128" },
      steps: { type: "string", default: "20" },
      warmup: { type: "string", default: "3" },
      every: { type: "string", default: "5" },
      models: { type: "string", default: "cifar_vgg16,seed" },
      backend: { type: "string", default: "webgpu" },
      "no-minimal": { type: "boolean", default: false },
      "max-seconds": { type: "string", default: "0" },
    },
  });
  const settings: Settings = {
    batch: Number(values.batch),
    steps: Number(values.steps),
    warmup: Number(values.warmup),
    every: Number(values.every),
    maxSeconds: Number(values["max-seconds"]),
  };
  const { batch, steps, warmup } = settings;
  if (values.backend === "webgpu") {
    const reg = await registerWebGpu();
    if (!reg.ok) throw new Error(`Backend webgpu is not available: ${reg.reason}`);
    console.error(`Backend webgpu (webgpu): ${reg.detail}`);
    // A GPU is fed by larger command batches than the default 15 dispatches.
    const submit = Number(Deno.env.get("GRAFT_WEBGPU_SUBMIT_BATCH") ?? "0");
    if (submit > 0) tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", submit);
  }
  if (!(await tf.setBackend(values.backend!))) throw new Error(`Cannot start ${values.backend}`);
  await tf.ready();
  const data = await loadCifar10({
    data: values.data!,
    limitTrain: (warmup + steps) * batch,
    limitTest: 4 * batch,
  });
  console.error(`Data ${data.source}: ${data.train.size} training, ${data.test.size} test images`);
  for (const name of values.models!.split(",")) {
    const entry = SPECS[name];
    if (!entry) {
      throw new Error(`Unknown model: ${name} (expected ${Object.keys(SPECS).join(", ")})`);
    }
    await viaTrain(name, entry.spec(), entry.lr, data, settings);
    if (!values["no-minimal"]) await minimalLoop(name, entry.spec(), entry.lr, data, settings);
  }
}
