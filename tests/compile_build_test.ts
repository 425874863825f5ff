import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { AdaptiveAvgPool2D } from "../compile/_layers.ts";
import { fillNormal } from "../compile/_random.ts";
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  block,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAvgPool2d,
  maxPool2d,
  relu,
  sequential,
  ShapeError,
  vgg16,
} from "../dsl/mod.ts";

await useBackend("cpu", { quiet: true });

const BUFFERS = /moving_(mean|variance)$/;
const paramCount = (m: { weights: { name: string; shape: (number | null)[] }[] }) =>
  m.weights.filter((w) => !BUFFERS.test(w.name)).reduce(
    (a, w) => a + w.shape.reduce<number>((x, y) => x * (y ?? 1), 1),
    0,
  );

const tinyBn = () =>
  sequential("tiny_bn", [6, 6, 3], {
    features: [conv2d(4, 3, { padding: 1 }), batchNorm(), relu(), maxPool2d(2)],
    classifier: [flatten(), dense(3)],
  });

Deno.test("build() of the seed recipe matches summary() and names layers by path", () => {
  const spec = vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).drop(2).freeze("features");
  const model = build(spec, { seed: 7 });
  const summary = spec.summary();
  assert.equal(paramCount(model), summary.total);
  const trainable = paramCount({ weights: model.trainableWeights });
  assert.equal(trainable, summary.trainable);
  assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
  assert.equal(model.getLayer("features.28").trainable, false);
  assert.equal(model.getLayer("classifier.6").trainable, true);
  assert.throws(() => model.getLayer("classifier.2"));
  assert.deepEqual(model.getLayer("features.0").getWeights()[0]!.shape, [3, 3, 3, 64]);
  assert.deepEqual(
    model.trainableWeights.map((w) => w.originalName),
    [
      "classifier.0/kernel",
      "classifier.0/bias",
      "classifier.3/kernel",
      "classifier.3/bias",
      "classifier.6/kernel",
      "classifier.6/bias",
    ],
  );
  model.dispose();
});

Deno.test("build() with the same seed gives the same weights, another seed others", () => {
  const spec = tinyBn();
  const weights = (seed: number) =>
    build(spec, { seed }).getWeights().map((w) => Array.from(w.dataSync()));
  const a = weights(1);
  assert.deepEqual(weights(1), a);
  assert.notDeepEqual(weights(2)[0], a[0]);
});

Deno.test("build() initialises as torchvision: kaiming-normal fan-out convs, zero biases", () => {
  const model = build(sequential("init", [8, 8, 64], { a: [conv2d(256, 3)], b: [flatten()] }), {
    seed: 3,
  });
  const [kernel, bias] = model.getLayer("a.0").getWeights() as [tf.Tensor, tf.Tensor];
  const k = Array.from(kernel.dataSync());
  const mean = k.reduce((a, b) => a + b, 0) / k.length;
  const std = Math.sqrt(k.reduce((a, b) => a + (b - mean) ** 2, 0) / k.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / (9 * 256))) < 0.002, `std ${std}`);
  assert.ok(bias.dataSync().every((v) => v === 0));
});

Deno.test("build() rejects a spec that does not fit, before any tensor exists", () => {
  const spec = vgg16().replaceHead(10).insert(block("custom_layer", [conv2d(512, 3), relu()]));
  const before = tf.memory().numTensors;
  assert.throws(() => build(spec), ShapeError);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("every catalogue layer compiles to the shape the DSL inferred", () => {
  const spec = sequential("all", [11, 9, 3], {
    a: [
      conv2d(4, 3, { padding: 2 }),
      conv2d(5, [3, 1], { strides: 2, padding: "same" }),
      batchNorm(),
      relu(),
      maxPool2d(2, { strides: 1 }),
      avgPool2d(2),
      adaptiveAvgPool2d([3, 2]),
    ],
    b: [globalAvgPool2d(), dropout(0.3), dense(6), batchNorm()],
    c: [dense(2)],
  });
  const model = build(spec, { seed: 1 });
  const shapes = spec.shapes();
  for (const node of spec.nodes) {
    assert.deepEqual(
      model.getLayer(node.path).outputShape,
      [null, ...shapes.get(node.path)!],
      node.path,
    );
  }
  const y = model.predict(tf.ones([2, 11, 9, 3])) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 2]);
  assert.ok(y.dataSync().every(Number.isFinite));
});

Deno.test("adaptive average pooling follows torchvision's bins", () => {
  // 5 -> 3: bins [0,2), [1,4), [3,5) averaged, as torch.nn.AdaptiveAvgPool2d
  const x = tf.tensor4d([1, 2, 3, 4, 5], [1, 5, 1, 1]);
  const y = new AdaptiveAvgPool2D({ outputSize: [3, 1] }).apply(x) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [1.5, 3, 4.5]);
  // 1x1 -> 7x7 repeats the value, as VGG's avgpool at 32x32
  const one = new AdaptiveAvgPool2D({ outputSize: [7, 7] }).apply(
    tf.tensor4d([2, -1], [1, 1, 1, 2]),
  );
  assert.deepEqual((one as tf.Tensor).shape, [1, 7, 7, 2]);
  assert.deepEqual(Array.from((one as tf.Tensor).dataSync()).slice(0, 4), [2, -1, 2, -1]);
});

function trainStep(model: ReturnType<typeof build>) {
  const x = tf.randomNormal([4, 6, 6, 3], 0, 1, "float32", 5);
  const opt = tf.train.sgd(0.1);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  opt.minimize(
    () => tf.mean(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    false,
    vars,
  );
}

Deno.test("a frozen BatchNorm keeps its statistics and weights through a training step", () => {
  const model = build(tinyBn().freeze("features"), { seed: 2 });
  const bn = model.getLayer("features.1");
  const before = bn.getWeights().map((w) => Array.from(w.dataSync()));
  const head = Array.from(model.getLayer("classifier.1").getWeights()[0]!.dataSync());
  trainStep(model);
  assert.deepEqual(bn.getWeights().map((w) => Array.from(w.dataSync())), before);
  assert.notDeepEqual(Array.from(model.getLayer("classifier.1").getWeights()[0]!.dataSync()), head);
});

Deno.test("a trainable BatchNorm updates its moving statistics in training", () => {
  const model = build(tinyBn(), { seed: 2 });
  const bn = model.getLayer("features.1");
  const names = bn.weights.map((w) => w.originalName);
  assert.deepEqual(names, [
    "features.1/gamma",
    "features.1/beta",
    "features.1/moving_mean",
    "features.1/moving_variance",
  ]);
  const mean = Array.from(bn.getWeights()[2]!.dataSync());
  trainStep(model);
  assert.notDeepEqual(Array.from(bn.getWeights()[2]!.dataSync()), mean);
});

Deno.test("the seeded normal generator has the moments and tails of a standard normal", () => {
  const a = fillNormal(new Float32Array(1 << 20), 2, 11);
  const n = a.length;
  const mean = a.reduce((s, x) => s + x, 0) / n;
  const variance = a.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  const beyond3 = a.filter((x) => Math.abs(x) > 6).length / n; // |z| > 3 with stddev 2
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 4) < 0.02, `variance ${variance}`);
  assert.ok(Math.abs(beyond3 - 0.0027) < 0.0004, `P(|z|>3) ${beyond3}`);
  assert.deepEqual(fillNormal(new Float32Array(8), 1, 11), fillNormal(new Float32Array(8), 1, 11));
  assert.notDeepEqual(
    fillNormal(new Float32Array(8), 1, 12),
    fillNormal(new Float32Array(8), 1, 11),
  );
});
