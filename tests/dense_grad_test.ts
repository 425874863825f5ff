import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { GraftDense } from "../compile/_dense.ts";
import { conv2d, dense, flatten, relu, sequential } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";

Deno.test("a dense layer after frozen layers computes its weight gradient and not its input's", async () => {
  await tf.setBackend("cpu");
  const spec = sequential("frozen_head", [6, 6, 2], {
    features: [conv2d(3, 3, { padding: 1 }), relu()],
    classifier: [flatten(), dense(5)],
  }).freeze("features");
  const model = build(spec, { seed: 1 });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomUniform([4, 6, 6, 2], 0, 1, "float32", 3);
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      vars,
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  const products = profile.kernels.filter((k) =>
    k.name === "BatchMatMul" || k.name === "_FusedMatMul"
  );
  // One forward product and one for the weight gradient; none for [4, 108], the input's.
  assert.deepEqual(products.map((k) => k.outputShapes[0]), [[4, 5], [108, 5]]);
});

Deno.test("GraftDense gives TensorFlow.js Dense's outputs and gradients and saves as Dense", async () => {
  await tf.setBackend("cpu");
  const ours = new GraftDense({ units: 3, name: "d" });
  const theirs = tfl.layers.dense({ units: 3, name: "d2" });
  const x = tf.randomUniform([5, 4], -1, 1, "float32", 7);
  ours.apply(x);
  theirs.apply(x);
  theirs.setWeights(ours.getWeights());
  const y1 = (ours.apply(x) as tf.Tensor).arraySync();
  const y2 = (theirs.apply(x) as tf.Tensor).arraySync();
  assert.deepEqual(y1, y2);
  const gradsOf = (layer: tfl.layers.Layer) =>
    tf.variableGrads(
      () => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar,
      layer.trainableWeights.map((w) => w.read() as tf.Variable),
    );
  const [g1, g2] = [gradsOf(ours), gradsOf(theirs)];
  const values = (g: { grads: tf.NamedTensorMap }) =>
    Object.values(g.grads).map((t) => Array.from(t.dataSync()));
  const [a, b] = [values(g1), values(g2)];
  a.flat().forEach((v, i) =>
    assert.ok(Math.abs(v - b.flat()[i]!) < 1e-5, `${v} vs ${b.flat()[i]}`)
  );
  assert.equal(a.flat().length, 4 * 3 + 3);
  assert.equal(ours.getClassName(), "Dense");
});
