import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { GraftConv2D } from "../compile/_conv.ts";
import { PaddedConv2D } from "../compile/_padded.ts";
import { conv2d, dense, flatten, relu, sequential } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";

/** The kernels one training step's gradient runs, by name. */
async function gradientKernels(model: tfl.LayersModel, x: tf.Tensor): Promise<string[]> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  return profile.kernels.map((k) => k.name);
}

const count = (names: string[], name: string) => names.filter((n) => n === name).length;

const twoConvs = () =>
  sequential("two_convs", [8, 8, 3], {
    features: [conv2d(4, 3, { padding: 1 }), relu()],
    block: [conv2d(4, 3, { padding: 1, strides: 2 }), relu()],
    classifier: [flatten(), dense(2)],
  });

Deno.test("the first convolution computes its weights' gradient and not its input's", async () => {
  await tf.setBackend("cpu");
  const model = build(twoConvs(), { seed: 1 });
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 3);
  const names = await gradientKernels(model, x);
  // Both convolutions' filters get a gradient; only the second one's input does.
  assert.equal(count(names, "Conv2DBackpropFilter"), 2);
  assert.equal(count(names, "Conv2DBackpropInput"), 1);
  assert.ok(model.getLayer("features.0") instanceof GraftConv2D);
  assert.ok(model.getLayer("block.0") instanceof PaddedConv2D);
});

Deno.test("after frozen layers no convolution computes its input's gradient, until unfrozen", async () => {
  await tf.setBackend("cpu");
  const model = build(twoConvs().freeze("features"), { seed: 1 });
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 3);
  const frozen = await gradientKernels(model, x);
  assert.equal(count(frozen, "Conv2DBackpropFilter"), 1);
  assert.equal(count(frozen, "Conv2DBackpropInput"), 0);
  // The frozen convolution keeps the fused op (its bias add rides along); the trainable one
  // after it runs unfused.
  const forward = await tf.profile(() =>
    tf.dispose(model.apply(x, { training: true }) as tf.Tensor)
  );
  const names = forward.kernels.map((k) => k.name);
  assert.equal(count(names, "FusedConv2D"), 1);
  assert.equal(count(names, "Conv2D"), 1);
  // Unfreezing later (a second fine-tuning stage) brings the input gradient back.
  model.getLayer("features.0").trainable = true;
  const unfrozen = await gradientKernels(model, x);
  assert.equal(count(unfrozen, "Conv2DBackpropFilter"), 2);
  assert.equal(count(unfrozen, "Conv2DBackpropInput"), 1);
});

Deno.test("GraftConv2D gives TensorFlow.js Conv2D's outputs and gradients and saves as Conv2D", async () => {
  await tf.setBackend("cpu");
  const args = { filters: 3, kernelSize: 3, padding: "same" as const, name: "c" };
  const ours = new GraftConv2D(args);
  const theirs = tfl.layers.conv2d({ ...args, name: "c2" });
  const x = tf.randomUniform([2, 5, 5, 2], -1, 1, "float32", 7);
  ours.apply(x);
  theirs.apply(x);
  theirs.setWeights(ours.getWeights().map((w, i) => i === 1 ? tf.fill(w.shape, 0.25) : w));
  ours.setWeights(theirs.getWeights());
  for (const training of [true, false]) {
    const y1 = ours.apply(x, { training }) as tf.Tensor;
    const y2 = theirs.apply(x, { training }) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(y1, y2))).dataSync()[0]! < 1e-6);
  }
  const gradsOf = (layer: tfl.layers.Layer) =>
    tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
  const values = (g: { grads: tf.NamedTensorMap }) =>
    Object.values(g.grads).flatMap((t) => Array.from(t.dataSync()));
  const [a, b] = [values(gradsOf(ours)), values(gradsOf(theirs))];
  assert.equal(a.length, 3 * 3 * 2 * 3 + 3);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${v} vs ${b[i]}`));
  assert.equal(ours.getClassName(), "Conv2D");
});
