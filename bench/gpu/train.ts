/**
 * The Graft side of the GPU benchmark: trains (a) a CIFAR-style VGG16 (VGG16 features, then a
 * 10-way linear layer) and (b) the seed recipe (torchvision-layout vgg16 at 32×32, new 10-way
 * head, `features` frozen, SGD lr 0.001 momentum 0.9) on WebGPU for a fixed number of steps on
 * synthetic CIFAR-shaped batches, and prints one JSON line per model.
 *
 * Bundled by pack.sh (`deno bundle`) and run by run.sh on the device machine:
 *   deno run --allow-env bench/gpu/train.ts --batch 128 --steps 20 --warmup 3
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type * as tfl from "@tensorflow/tfjs-layers";
import { dense, flatten, sequential, vgg16, vggFeatures } from "../../dsl/mod.ts";
import { build } from "../../compile/mod.ts";
import { LossReadback, prefetchToDevice, registerWebGpu } from "../../backends/webgpu/mod.ts";

const { values } = parseArgs({
  options: {
    batch: { type: "string", default: "128" },
    steps: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    every: { type: "string", default: "10" },
    models: { type: "string", default: "cifar_vgg16,seed" },
    backend: { type: "string", default: "webgpu" },
    "max-seconds": { type: "string", default: "0" },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const every = Number(values.every);
const maxSeconds = Number(values["max-seconds"]);

function cifarVgg16(): tfl.LayersModel {
  const spec = sequential("cifar_vgg16", [32, 32, 3], {
    features: vggFeatures(16),
    classifier: [flatten(), dense(10)],
  });
  return build(spec, { seed: 0 });
}

function seedRecipe(): tfl.LayersModel {
  return build(vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).freeze("features"), { seed: 0 });
}

function* hostBatches(count: number): Generator<{ x: Float32Array; y: Int32Array }> {
  // A few fixed random batches, cycled: the host side stays cheap and identical across runs.
  const pool = Array.from({ length: 4 }, (_, k) => {
    const x = new Float32Array(batch * 32 * 32 * 3);
    let s = 12345 + k;
    for (let i = 0; i < x.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      x[i] = s / 2147483648 - 1;
    }
    const y = Int32Array.from({ length: batch }, (_, i) => (i * 7 + k) % 10);
    return { x, y };
  });
  for (let i = 0; i < count; i++) yield pool[i % pool.length]!;
}

async function train(name: string, model: tfl.LayersModel, lr: number): Promise<void> {
  const opt = tf.train.momentum(lr, 0.9);
  const readback = new LossReadback(every);
  const step = (b: { x: tf.Tensor; y: tf.Tensor }): tf.Tensor =>
    opt.minimize(
      () => tf.losses.softmaxCrossEntropy(b.y, model.apply(b.x, { training: true }) as tf.Tensor),
      true,
    )!;
  const upload = (b: { x: Float32Array; y: Int32Array }) => ({
    x: tf.tensor4d(b.x, [batch, 32, 32, 3]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, "int32"), 10)),
  });
  const t0 = performance.now();
  const warmLosses: number[] = [];
  for await (const b of prefetchToDevice(hostBatches(warmup), upload)) {
    const loss = step(b);
    tf.dispose(b);
    await loss.data(); // warm-up compiles every shader: wait for each step
    const mean = readback.push(loss);
    if (mean) warmLosses.push(await mean);
  }
  if (readback.pending > 0) warmLosses.push(await readback.flush());
  const warmLoss = warmLosses[warmLosses.length - 1] ?? NaN;
  const t1 = performance.now();
  const losses: number[] = [];
  let done = 0;
  for await (const b of prefetchToDevice(hostBatches(steps), upload)) {
    const loss = step(b);
    tf.dispose(b);
    done++;
    const mean = readback.push(loss);
    if (mean) {
      losses.push(await mean);
      // A time cap keeps the whole device call inside its budget; the rate stays exact.
      if (maxSeconds > 0 && (performance.now() - t1) / 1000 > maxSeconds) break;
    }
  }
  if (readback.pending > 0) losses.push(await readback.flush());
  const t2 = performance.now();
  const seconds = (t2 - t1) / 1000;
  const line = {
    framework: "graft",
    backend: tf.getBackend(),
    model: name,
    batch,
    steps: done,
    capped: done < steps,
    warmupSeconds: +((t1 - t0) / 1000).toFixed(2),
    seconds: +seconds.toFixed(3),
    imagesPerSec: +((done * batch) / seconds).toFixed(1),
    losses: [warmLoss, ...losses].map((l) => +l.toFixed(4)),
    tensors: tf.memory().numTensors,
  };
  console.log(JSON.stringify(line));
  opt.dispose();
  model.dispose();
}

if (values.backend === "webgpu") {
  const reg = await registerWebGpu();
  if (!reg.ok) {
    console.error(`Backend webgpu is not available: ${reg.reason}`);
    Deno.exit(2);
  }
  console.error(`Backend webgpu (webgpu): ${reg.detail}`);
  // A GPU is fed by larger command batches than the default 15 dispatches.
  const submit = Number(Deno.env.get("GRAFT_WEBGPU_SUBMIT_BATCH") ?? "0");
  if (submit > 0) tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", submit);
}
if (!(await tf.setBackend(values.backend!))) throw new Error(`Cannot start ${values.backend}`);
await tf.ready();
for (const name of values.models!.split(",")) {
  if (name === "cifar_vgg16") await train(name, cifarVgg16(), 0.01);
  else if (name === "seed") await train(name, seedRecipe(), 0.001);
  else throw new Error(`Unknown model: ${name} (expected cifar_vgg16 or seed)`);
}
