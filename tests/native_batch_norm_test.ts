import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { FreezableBatchNorm } from "../compile/_layers.ts";
import { build } from "../compile/mod.ts";
import { batchNorm, conv2d, dense, flatten, maxPool2d, relu, sequential } from "../dsl/mod.ts";
import { NATIVE_BACKEND_NAME } from "../backends/native/mod.ts";
import { batchNormBackward, batchNormForward } from "../tfjs_kernels/_batch_norm_math.ts";
import { hasFusedBatchNorm, useFusedBatchNorm } from "../tfjs_kernels/mod.ts";
import { randomValues, relativeError, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

/** One training call of a BatchNorm layer: output, dx, dgamma, dbeta, moving mean, moving var. */
function trainingStep(shape: number[], seed: number): Float32Array[] {
  const bn = new FreezableBatchNorm({ momentum: 0.9, epsilon: 1e-5, name: `bn${seed}` });
  const size = shape.reduce((a, b) => a * b);
  // An offset and a scale per channel, so that normalising matters.
  const x = tf.add(tf.mul(tf.tensor(randomValues(size, seed), shape), 3), 1.5);
  const r = tf.tensor(randomValues(size, seed + 1), shape);
  bn.apply(x, { training: false }); // builds the weights
  const [gamma, beta] = bn.trainableWeights.map((w) => w.read() as tf.Variable);
  gamma!.assign(tf.tensor(randomValues(shape.at(-1)!, seed + 2)));
  beta!.assign(tf.tensor(randomValues(shape.at(-1)!, seed + 3)));
  const loss = (xs: tf.Tensor) => tf.sum(tf.mul(bn.apply(xs, { training: true }) as tf.Tensor, r));
  const y = bn.apply(x, { training: true }) as tf.Tensor;
  const dx = tf.grad(loss)(x);
  const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, [gamma!, beta!]);
  const [movingMean, movingVariance] = bn.nonTrainableWeights.map((w) => w.read());
  return [y, dx, grads[gamma!.name]!, grads[beta!.name]!, movingMean!, movingVariance!].map((t) =>
    Float32Array.from(t.dataSync())
  );
}

Deno.test(
  "a training BatchNorm on native uses the fused kernels and matches cpu: output, gradients, moving statistics",
  { ignore: await missing("native") },
  async () => {
    await requireNative();
    for (const shape of [[4, 5, 6, 7], [3, 8, 8, 16], [32, 10]]) {
      const seed = Math.floor(Math.random() * 1e6);
      await tf.setBackend("cpu");
      assert.equal(hasFusedBatchNorm(), false);
      const cpuBefore = tf.memory().numTensors;
      const want = tf.tidy(() => trainingStep(shape, seed));
      assert.equal(tf.memory().numTensors - cpuBefore, 4, "cpu keeps the layer's 4 weights");
      await tf.setBackend(NATIVE_BACKEND_NAME);
      assert.equal(hasFusedBatchNorm(), true);
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => trainingStep(shape, seed));
      const names = ["y", "dx", "dgamma", "dbeta", "moving mean", "moving variance"];
      got.forEach((g, i) => {
        const e = relativeError(g, want[i]!);
        assert.ok(e < 1e-4, `${names[i]} ${shape} seed ${seed}: relative error ${e}`);
      });
      assert.equal(tf.memory().numTensors - before, 4, "native keeps the layer's 4 weights");
      const profile = await tf.profile(() => tf.tidy(() => trainingStep(shape, seed + 5)));
      const kernels = new Set(profile.kernels.map((k) => k.name));
      assert.ok(kernels.has("GraftBatchNormTrain") && kernels.has("GraftBatchNormGrad"));
      assert.equal(kernels.has("Tile"), false, [...kernels].join(","));
    }
  },
);

Deno.test("the batch-norm loops give the textbook values on a small case", () => {
  // Two rows, one channel: x = [1, 3], mean 2, biased variance 1.
  const f = batchNormForward(
    new Float32Array([1, 3]),
    new Float32Array([2]),
    new Float32Array([5]),
    0,
  );
  assert.deepEqual([...f.y], [3, 7]);
  assert.deepEqual([...f.mean], [2]);
  assert.deepEqual([...f.variance], [1]);
  // dy = [1, 0]: dbeta 1, dgamma sum(dy * xhat) = -1, dx = 2 * (dy - 1/2 - xhat * -1/2).
  const b = batchNormBackward(
    new Float32Array([1, 0]),
    new Float32Array([1, 3]),
    new Float32Array([2]),
    f.mean,
    f.variance,
    0,
  );
  assert.deepEqual([...b.dbeta], [1]);
  assert.deepEqual([...b.dgamma], [-1]);
  assert.deepEqual([...b.dx], [0, 0]);
});

Deno.test("a small VGG with BatchNorm built by Graft trains to the same losses on native and cpu", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const spec = sequential("tiny_bn", [12, 12, 3], {
    features: [
      conv2d(6, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      maxPool2d(2),
      conv2d(8, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      maxPool2d(2),
    ],
    classifier: [flatten(), dense(10)],
  });
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const model = build(spec, { seed: 3 });
    const x = tf.tensor4d(randomValues(6 * 12 * 12 * 3, 11), [6, 12, 12, 3]);
    const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 3, 5, 1], "int32"), 10);
    const opt = tf.train.momentum(0.05, 0.9);
    const out: number[] = [];
    for (let s = 0; s < 4; s++) {
      const loss = opt.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
        true,
      )!;
      out.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    const stats = model.getLayer("features.1").getWeights().map((w) => w.dataSync()[0]!);
    return { out, stats };
  };
  const cpu = await run("cpu");
  const native = await run(NATIVE_BACKEND_NAME);
  assert.ok(cpu.out[3]! < cpu.out[0]!, `the loss should fall: ${cpu.out}`);
  cpu.out.forEach((l, i) => {
    assert.ok(Math.abs(native.out[i]! - l) <= 1e-4 * Math.max(1, l), `${native.out} vs ${cpu.out}`);
  });
  cpu.stats.forEach((v, i) => {
    assert.ok(Math.abs(native.stats[i]! - v) <= 1e-4 * Math.max(1, Math.abs(v)), `weight ${i}`);
  });
});

Deno.test("useFusedBatchNorm refuses a backend that is not registered", () => {
  assert.equal(useFusedBatchNorm("no-such-backend"), false);
  assert.equal(tf.getKernel("GraftBatchNormTrain", "no-such-backend"), undefined);
});
