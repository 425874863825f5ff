import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { PaddedConv2D, PaddedMaxPool2D } from "../compile/_padded.ts";
import { resnet, resnet18 } from "../dsl/mod.ts";

await useBackend("cpu", { quiet: true });

Deno.test("build() of resnet18 names every layer by its path and pads inside the kernels", () => {
  const spec = resnet18({ inputShape: [64, 64, 3], classes: 10 });
  const model = build(spec, { seed: 1 });
  const layers = model.layers.map((l) => l.name).filter((n) => n !== "input");
  assert.deepEqual(layers.toSorted(), spec.paths.toSorted());
  assert.ok(model.getLayer("conv1") instanceof PaddedConv2D); // 7×7/2, padding 3
  assert.ok(model.getLayer("layer2.0.conv1") instanceof PaddedConv2D); // 3×3/2, padding 1
  assert.ok(model.getLayer("maxpool") instanceof PaddedMaxPool2D);
  assert.equal(model.getLayer("layer1.0.conv1").getClassName(), "Conv2D"); // 3×3/1: "same"
  const buffers = spec.summary().rows.reduce((a, r) => a + r.buffers, 0);
  assert.equal(model.countParams(), 11_181_642 + buffers);
  assert.equal(spec.summary().total, 11_181_642);
  assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
});

Deno.test("a narrow CIFAR ResNet trains: the loss falls and a frozen stage stays as it was", () => {
  const spec = resnet({
    block: "basic",
    blocks: [1, 1, 1, 1],
    width: 4,
    inputShape: [16, 16, 3],
    classes: 3,
    cifarStem: true,
  }).freeze("layer1");
  const model = build(spec, { seed: 5 });
  const x = tf.randomNormal([8, 16, 16, 3], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
  const frozen = model.getLayer("layer1.0.conv2").getWeights()[0]!.dataSync().slice();
  const frozenMean = model.getLayer("layer1.0.bn1").getWeights()[2]!.dataSync().slice();
  const opt = tf.train.sgd(0.1);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
      vars,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  assert.ok(losses[9]! < losses[0]! * 0.7, `losses ${losses.map((l) => l.toFixed(3))}`);
  assert.deepEqual(model.getLayer("layer1.0.conv2").getWeights()[0]!.dataSync(), frozen);
  assert.deepEqual(model.getLayer("layer1.0.bn1").getWeights()[2]!.dataSync(), frozenMean);
  assert.ok(vars.every((v) => !v.name.startsWith("layer1.")));
});
