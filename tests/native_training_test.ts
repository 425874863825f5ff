import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { NATIVE_BACKEND_NAME, NativeMomentumOptimizer } from "../backends/native/mod.ts";
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
  inPlace = false,
): Promise<number[]> {
  await tf.setBackend(backend);
  const model = smallVgg();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape)));
  const x = tf.tensor4d(randomValues(5 * 12 * 12 * 3, 7), [5, 12, 12, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 3, 9, 3, 5], "int32"), 10);
  const opt = inPlace ? new NativeMomentumOptimizer(0.05, 0.9) : tf.train.momentum(0.05, 0.9);
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      true,
    )!;
    out.push(loss.dataSync()[0]!);
    loss.dispose();
  }
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

Deno.test("the in-place momentum optimizer gives the same losses as tf.train.momentum on cpu", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  await tf.setBackend("cpu");
  const init = smallVgg().getWeights().map((w, i) =>
    Float32Array.from(randomValues(w.size, 200 + i), (v) => v * 0.3)
  );
  const cpu = await losses("cpu", init, 4);
  const native = await losses(NATIVE_BACKEND_NAME, init, 4, true);
  assert.ok(cpu[3]! < cpu[0]!, `the loss should fall: ${cpu}`);
  cpu.forEach((l, i) => {
    assert.ok(
      Math.abs(native[i]! - l) <= 1e-4 * Math.max(1, Math.abs(l)),
      `step ${i}: ${native} vs ${cpu}`,
    );
  });
});
