/**
 * The device-feeding helpers: batches are made one step ahead, losses are read every N steps,
 * and a training loop built on them holds no more tensors after N steps than after one.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { prefetchToDevice } from "../backends/webgpu/mod.ts";
import { StepReadback } from "../train/_readback.ts";
import { conv2d, dense, flatten, maxPool2d, relu, sequential } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";
import { on, randoms } from "./_webgpu_env.ts";
import { missing } from "./_requires.ts";

Deno.test("prefetchToDevice makes the next batch before the current one is used", async () => {
  await on("cpu");
  const made: number[] = [];
  const used: number[] = [];
  for await (const t of prefetchToDevice([1, 2, 3], (i) => (made.push(i), tf.scalar(i)))) {
    used.push((await t.data())[0]!);
    // When batch i is handed out, batch i + 1 already exists.
    assert.deepEqual(made, [1, 2, 3].slice(0, Math.min(3, used.length + 1)));
    t.dispose();
  }
  assert.deepEqual(used, [1, 2, 3]);
});

Deno.test("prefetchToDevice disposes the batch made ahead when the loop stops early", async () => {
  await on("cpu");
  const before = tf.memory().numTensors;
  for await (const t of prefetchToDevice([1, 2, 3, 4], (i) => ({ x: tf.scalar(i) }))) {
    tf.dispose(t);
    break;
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("StepReadback reads every step's values in one download every N steps, keeping nothing", async () => {
  await on("cpu");
  const before = tf.memory().numTensors;
  const steps = new StepReadback(3);
  assert.equal(steps.push([tf.scalar(1), tf.scalar(10)]), false);
  assert.equal(steps.push([tf.scalar(2), tf.scalar(20, "int32")]), false);
  assert.equal(steps.pending, 2);
  assert.equal(steps.push([tf.scalar(NaN), tf.scalar(30)]), true);
  const rows = await steps.flush();
  assert.deepEqual(rows.map((r) => [...r]), [[1, 10], [2, 20], [NaN, 30]]);
  assert.equal(steps.pending, 0);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(await steps.flush(), []);
  steps.push([tf.scalar(5)]);
  steps.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => new StepReadback(0), /Invalid readback interval/);
});

Deno.test({
  name: "a WebGPU training loop with prefetch and readback leaks no tensor across steps",
  ignore: await missing("webgpu"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await on("webgpu");
    const model = build(
      sequential("leak", [8, 8, 3], {
        features: [conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
        classifier: [flatten(), dense(10)],
      }),
      { seed: 1 },
    );
    const opt = tf.train.momentum(0.01, 0.9);
    const hostBatches = Array.from({ length: 8 }, (_, i) => ({
      x: randoms(4 * 8 * 8 * 3, i + 1),
      y: Int32Array.from([i % 10, (i + 1) % 10, (i + 2) % 10, (i + 3) % 10]),
    }));
    const readback = new StepReadback(2);
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    const read: number[] = [];
    for await (
      const batch of prefetchToDevice(hostBatches, (b) => ({
        x: tf.tensor4d(b.x, [4, 8, 8, 3]),
        y: tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, "int32"), 10)),
      }))
    ) {
      const loss = opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            batch.y,
            model.apply(batch.x, { training: true }) as tf.Tensor,
          ),
        true,
      )!;
      tf.dispose(batch);
      if (readback.push([loss])) {
        read.push(...(await readback.flush()).map((r) => r[0]!));
        counts.push(tf.memory().numTensors);
      }
    }
    assert.equal(read.length, 8);
    assert.ok(read.every(Number.isFinite), `losses: ${read}`);
    // While the loop runs, one batch is made ahead (2 tensors); at the last read there is none.
    assert.deepEqual(counts, [counts[0], counts[0], counts[0], counts[0]! - 2]);
    // What stays is the model plus one momentum slot per trainable weight: nothing per step.
    assert.equal(tf.memory().numTensors, baseline + model.trainableWeights.length);
    opt.dispose();
    model.dispose();
  },
});
