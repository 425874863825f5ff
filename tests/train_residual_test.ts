// A residual block built by hand with graph() compiles to one TensorFlow.js graph and trains.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { build } from "../compile/mod.ts";
import { concat, conv2d, graph } from "../dsl/mod.ts";
import { train } from "../train/mod.ts";
import { residual } from "./_graph_fixtures.ts";
import { quadrants } from "./_train_fixtures.ts";

Deno.test("a hand-built residual block compiles with its join and both branches", () => {
  const spec = residual();
  const model = build(spec, { seed: 5 });
  const add = model.getLayer("layer1.0.add");
  assert.deepEqual(
    add.inboundNodes[0]!.inboundLayers.map((l) => l.name),
    ["layer1.0.bn2", "layer1.0.downsample.1"],
  );
  assert.deepEqual(
    model.getLayer("layer1.0.downsample.0").inboundNodes[0]!.inboundLayers.map((l) => l.name),
    ["relu"],
  );
  assert.deepEqual(model.outputs[0]!.shape, [null, 4]);
  // Parameters as the summary counts them (BatchNorm statistics are buffers).
  const params = model.weights.filter((w) => !/moving_(mean|variance)/.test(w.name))
    .reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * (y ?? 1), 1), 0);
  assert.equal(params, spec.summary().total);
  // The join adds: zeroing the main branch's last BatchNorm leaves the shortcut's output.
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1);
  const inner = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer("layer1.0.add").output as tfl.SymbolicTensor,
  });
  const shortcut = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer("layer1.0.downsample.1").output as tfl.SymbolicTensor,
  });
  const bn = model.getLayer("layer1.0.bn2");
  bn.setWeights(bn.getWeights().map((w, i) => (i < 2 ? tf.zerosLike(w) : w)));
  const diff = tf.max(
    tf.abs(tf.sub(inner.predict(x) as tf.Tensor, shortcut.predict(x) as tf.Tensor)),
  );
  assert.ok(diff.dataSync()[0]! < 1e-6);
});

Deno.test("a hand-built residual block trains: loss falls and it learns the data", async () => {
  const spec = residual();
  const result = await train(build(spec, { seed: 1 }), spec, {
    train: quadrants(64),
    validation: quadrants(32, 2),
    epochs: 4,
    batchSize: 8,
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    seed: 1,
  });
  const first = result.history[0]!;
  const last = result.history[result.history.length - 1]!;
  assert.ok(last.loss < first.loss / 2, `${first.loss} -> ${last.loss}`);
  assert.ok(result.evaluation!.top1 >= 0.9, `top-1 ${result.evaluation!.top1}`);
});

Deno.test("concat compiles to a channel concatenation of its inputs", () => {
  const spec = graph("inception", [4, 4, 2])
    .node("a", conv2d(3, 1))
    .node("join", concat(), { from: ["a", "input"] })
    .spec();
  const model = build(spec, { seed: 2 });
  const x = tf.randomNormal([1, 4, 4, 2], 0, 1, "float32", 3);
  const y = model.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 4, 4, 5]);
  const tail = tf.slice(y, [0, 0, 0, 3], [1, 4, 4, 2]);
  assert.ok(tf.max(tf.abs(tf.sub(tail, x))).dataSync()[0]! === 0);
});
