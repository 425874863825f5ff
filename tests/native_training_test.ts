import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { NATIVE_BACKEND_NAME } from "../backends/native/mod.ts";
import { Optimizer } from "../train/optimizers.ts";
import { randomValues, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

/** A small VGG-style network laid out like torchvision's (conv, relu, pool; dense head). */
function smallVgg(): tfl.LayersModel {
  const conv = (filters: number) =>
    tfl.layers.conv2d({ filters, kernelSize: 3, padding: "same", kernelInitializer: "zeros" });
  return tfl.sequential({
    layers: [
      tfl.layers.inputLayer({ inputShape: [12, 12, 3] }),
      conv(6),
      tfl.layers.reLU(),
      conv(6),
      tfl.layers.reLU(),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      conv(10),
      tfl.layers.reLU(),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 12, activation: "relu" }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
}

async function losses(
  backend: string,
  weights: Float32Array[],
  steps: number,
  inPlace = true,
): Promise<number[]> {
  await tf.setBackend(backend);
  const model = smallVgg();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape)));
  const x = tf.tensor4d(randomValues(5 * 12 * 12 * 3, 7), [5, 12, 12, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 3, 5], "int32"), 10);
  const params = model.trainableWeights.map((w) => ({
    key: (w.read() as tf.Variable).name,
    group: "all",
    trainable: true,
    variable: w.read() as tf.Variable,
  }));
  const opt = new Optimizer({ type: "sgd", lr: 0.05, momentum: 0.9 }, params, { inPlace });
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      params.map((p) => p.variable),
    );
    out.push(value.dataSync()[0]!);
    opt.apply(new Map(Object.entries(grads)), { all: 0.05 });
    tf.dispose([value, ...Object.values(grads)]);
  }
  opt.dispose();
  return out;
}

Deno.test("a small VGG trains to the same losses on native and cpu", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  await tf.setBackend("cpu");
  const init = smallVgg().getWeights().map((w, i) =>
    Float32Array.from(randomValues(w.size, 100 + i), (v) => v * 0.3)
  );
  const cpu = await losses("cpu", init, 4);
  const native = await losses(NATIVE_BACKEND_NAME, init, 4);
  assert.ok(cpu[3]! < cpu[0]!, `the loss should fall: ${cpu}`);
  cpu.forEach((l, i) => {
    assert.ok(
      Math.abs(native[i]! - l) <= 1e-4 * Math.max(1, Math.abs(l)),
      `step ${i}: ${native} vs ${cpu}`,
    );
  });
});

Deno.test("the optimizer users get updates in place on native as its tensor path does on cpu", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  await tf.setBackend("cpu");
  const init = smallVgg().getWeights().map((w, i) =>
    Float32Array.from(randomValues(w.size, 200 + i), (v) => v * 0.3)
  );
  const cpu = await losses("cpu", init, 4, false);
  const native = await losses(NATIVE_BACKEND_NAME, init, 4, true);
  assert.ok(cpu[3]! < cpu[0]!, `the loss should fall: ${cpu}`);
  cpu.forEach((l, i) => {
    assert.ok(
      Math.abs(native[i]! - l) <= 1e-4 * Math.max(1, Math.abs(l)),
      `step ${i}: ${native} vs ${cpu}`,
    );
  });
});
