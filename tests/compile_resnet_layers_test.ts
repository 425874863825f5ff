import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../backends/mod.ts";
import { GlobalAvgPool2D } from "../compile/_global_pool.ts";
import { PaddedConv2D, PaddedMaxPool2D } from "../compile/_padded.ts";
import { assertSameOnBoth, randomValues, relativeError, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

await useBackend("cpu", { quiet: true });
const withNative = { ignore: await missing("native") };

const energy = (t: tf.Tensor) => tf.sum(tf.square(t));

const image = (shape: [number, number, number, number], seed: number) =>
  tf.tensor4d(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

/** A padded conv with random weights, and the same convolution as zero padding then "valid". */
function convPair(k: number, stride: number, [ph, pw]: [number, number], useBias: boolean) {
  const padded = new PaddedConv2D({
    filters: 5,
    kernelSize: k,
    strides: stride,
    useBias,
    explicitPadding: [ph, pw],
  });
  padded.build([null, 9, 8, 3]);
  const weights = padded.getWeights().map((w, i) =>
    tf.tensor(randomValues(w.size, 40 + i), w.shape)
  );
  padded.setWeights(weights);
  const reference = (x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor) => {
    const y = tf.conv2d(
      tf.pad(x as tf.Tensor4D, [[0, 0], [ph, ph], [pw, pw], [0, 0]]),
      kernel as tf.Tensor4D,
      stride,
      "valid",
    );
    return bias ? tf.add(y, bias) : y;
  };
  return { padded, weights, reference };
}

for (const [k, stride, pad, bias] of [[3, 2, [1, 1], false], [7, 2, [3, 3], true]] as const) {
  Deno.test(`a ${k}×${k}/${stride} convolution with padding ${pad} equals zero padding then a valid convolution, forward and backward`, async () => {
    await tf.setBackend("cpu");
    const { padded, weights, reference } = convPair(k, stride, [...pad], bias);
    const x = image([2, 9, 8, 3], 7);
    const ref = reference(x, weights[0]!, weights[1]);
    const refGrads = tf.grads((x, ...w) => energy(reference(x, w[0]!, w[1])))([x, ...weights]);
    const out = padded.apply(x) as tf.Tensor;
    assert.deepEqual(out.shape, ref.shape);
    assert.deepEqual(padded.computeOutputShape([2, 9, 8, 3]), ref.shape);
    assert.ok(relativeError(out.dataSync() as Float32Array, ref.dataSync() as Float32Array) < 1e-6);
    const dx = tf.grad((x: tf.Tensor) => energy(padded.apply(x) as tf.Tensor))(x);
    const vars = padded.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(
      () => energy(padded.apply(x) as tf.Scalar) as tf.Scalar,
      vars,
    );
    const got = [dx, ...vars.map((v) => grads[v.name]!)];
    assert.equal(got.length, refGrads.length);
    refGrads.forEach((r, i) => {
      assert.ok(Math.max(...(r.dataSync() as Float32Array).map(Math.abs)) > 0, "non-zero");
      const err = relativeError(got[i]!.dataSync() as Float32Array, r.dataSync() as Float32Array);
      assert.ok(err < 1e-5, `gradient ${i}: relative error ${err}`);
    });
  });

  Deno.test(
    `the ${k}×${k}/${stride} padded convolution gives the same values and gradients on native`,
    withNative,
    async () => {
      await requireNative();
      const { padded } = convPair(k, stride, [...pad], bias);
      const x = image([2, 9, 8, 3], 7);
      const vars = padded.trainableWeights.map((w) => w.read() as tf.Variable);
      await assertSameOnBoth("padded conv on native", () => {
        const dx = tf.grad((x: tf.Tensor) => energy(padded.apply(x) as tf.Tensor))(x);
        const { grads } = tf.variableGrads(
          () => energy(padded.apply(x) as tf.Tensor) as tf.Scalar,
          vars,
        );
        return [padded.apply(x) as tf.Tensor, dx, ...vars.map((v) => grads[v.name]!)];
      });
    },
  );
}

Deno.test("padded max pooling never picks a padded position, as PyTorch's MaxPool2d(3, 2, padding=1)", async () => {
  await tf.setBackend("cpu");
  const pool = new PaddedMaxPool2D({ poolSize: 3, strides: 2, explicitPadding: [1, 1] });
  // All values negative: zero padding would win every border window.
  const x = tf.tidy(() => tf.sub(tf.neg(tf.abs(image([1, 4, 4, 1], 3))), 1)) as tf.Tensor4D;
  const out = pool.apply(x) as tf.Tensor;
  assert.deepEqual(out.shape, [1, 2, 2, 1]);
  assert.deepEqual(pool.computeOutputShape([1, 4, 4, 1]), [1, 2, 2, 1]);
  const v = x.dataSync();
  const at = (r: number, c: number) => v[r * 4 + c]!;
  const window = (r0: number, c0: number) => {
    let m = -Infinity;
    for (let r = Math.max(r0, 0); r < Math.min(r0 + 3, 4); r++) {
      for (let c = Math.max(c0, 0); c < Math.min(c0 + 3, 4); c++) m = Math.max(m, at(r, c));
    }
    return m;
  };
  assert.deepEqual([...out.dataSync()], [
    window(-1, -1),
    window(-1, 1),
    window(1, -1),
    window(1, 1),
  ]);
  assert.ok([...out.dataSync()].every((y) => y < 0));
});

Deno.test(
  "padded max pooling gives the same values and gradients on native",
  withNative,
  async () => {
    await requireNative();
    const pool = new PaddedMaxPool2D({ poolSize: 3, strides: 2, explicitPadding: [1, 1] });
    await assertSameOnBoth("padded max pool on native", () => {
      const big = image([2, 16, 16, 4], 9);
      const dx = tf.grad((x: tf.Tensor) => energy(pool.apply(x) as tf.Tensor))(big);
      return [pool.apply(big) as tf.Tensor, dx];
    });
  },
);

Deno.test("padded layers keep their padding through getConfig()", () => {
  const conv = new PaddedConv2D({ filters: 2, kernelSize: 3, strides: 2, explicitPadding: [1, 1] });
  const pool = new PaddedMaxPool2D({ poolSize: 3, strides: 2, explicitPadding: [1, 1] });
  assert.deepEqual(conv.getConfig().explicitPadding, [1, 1]);
  assert.equal(conv.getConfig().padding, "valid");
  assert.deepEqual(pool.getConfig().explicitPadding, [1, 1]);
  assert.equal(PaddedConv2D.className, "GraftPaddedConv2D");
});

Deno.test("global average pooling as a matrix product equals TensorFlow.js's, forward and backward", async () => {
  await tf.setBackend("cpu");
  const x = image([3, 5, 4, 6], 21);
  const ours = new GlobalAvgPool2D({ name: "avgpool" });
  const theirs = tfl.layers.globalAveragePooling2d({});
  const r = tf.tensor(randomValues(18, 22), [3, 6]);
  const loss = (l: tfl.layers.Layer) => (x: tf.Tensor) =>
    tf.sum(tf.mul(l.apply(x) as tf.Tensor, r));
  const y = ours.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [3, 6]);
  assert.deepEqual(ours.computeOutputShape([null, 5, 4, 6]), [null, 6]);
  const want = theirs.apply(x) as tf.Tensor;
  assert.ok(relativeError(y.dataSync() as Float32Array, want.dataSync() as Float32Array) < 1e-6);
  const dx = tf.grad(loss(ours))(x).dataSync() as Float32Array;
  const dxWant = tf.grad(loss(theirs))(x).dataSync() as Float32Array;
  assert.ok(dxWant.some((v) => v !== 0));
  assert.ok(relativeError(dx, dxWant) < 1e-6);
});

Deno.test(
  "global average pooling gives the same values and gradients on native",
  withNative,
  async () => {
    await requireNative();
    const pool = new GlobalAvgPool2D({});
    const x = image([4, 6, 6, 8], 23);
    await assertSameOnBoth("global average pooling on native", () => {
      const dx = tf.grad((x: tf.Tensor) => energy(pool.apply(x) as tf.Tensor))(x);
      return [pool.apply(x) as tf.Tensor, dx];
    });
  },
);
