/**
 * Forward outputs and gradients of every layer type Graft builds agree between the WebGPU
 * backend (llvmpipe in CI) and TensorFlow.js's reference `cpu` backend, and a tiny VGG trains
 * to the same losses on both.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAvgPool2d,
  type Layer,
  maxPool2d,
  relu,
  resnet,
  sequential,
  type Spec,
} from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";
import { on, randoms, relativeError } from "./_webgpu_env.ts";
import { missing } from "./_requires.ts";

const TOL = 1e-3;

interface Outcome {
  y: Float32Array;
  /** Gradients in order: the input, then each trainable weight. */
  grads: [string, Float32Array][];
}

/** Forward pass and the gradients of sum(y * r) for the input and every trainable weight. */
async function evaluate(
  backend: "cpu" | "webgpu",
  layers: Layer[] | Spec,
  inputShape: number[],
  training: boolean,
): Promise<Outcome> {
  await on(backend);
  const spec = Array.isArray(layers) ? sequential("case", inputShape, { body: layers }) : layers;
  const model = build(spec, { seed: 7 });
  model.setWeights(model.weights.map((w, i) => {
    const shape = w.shape as number[];
    const values = randoms(tf.util.sizeFromShape(shape), 100 + i);
    // Variances must be positive; scales near 1 keep the batch-norm output well conditioned.
    if (/moving_variance|gamma/.test(w.name)) {
      values.forEach((v, j) => values[j] = 0.5 + Math.abs(v));
    }
    return tf.tensor(values, shape);
  }));
  const xShape = [2, ...inputShape];
  const x = tf.variable(tf.tensor(randoms(tf.util.sizeFromShape(xShape), 1), xShape), true, "x");
  const yShape = (model.apply(x, { training }) as tf.Tensor).shape;
  const r = tf.tensor(randoms(tf.util.sizeFromShape(yShape), 2), yShape);
  const vars = [x, ...model.trainableWeights.map((w) => w.read() as tf.Variable)];
  let y: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(x, { training }) as tf.Tensor;
    y = tf.keep(out);
    return tf.sum(tf.mul(out, r)) as tf.Scalar;
  }, vars);
  const result: Outcome = { y: (await y!.data()) as Float32Array, grads: [] };
  const names = ["x", ...model.trainableWeights.map((w) => w.originalName)];
  for (const [i, v] of vars.entries()) {
    result.grads.push([names[i]!, (await grads[v.name]!.data()) as Float32Array]);
  }
  tf.dispose([value, y!, r, x, Object.values(grads)]);
  model.dispose();
  return result;
}

async function assertParity(
  label: string,
  layers: Layer[] | Spec,
  inputShape: number[],
  training = false,
): Promise<void> {
  const want = await evaluate("cpu", layers, inputShape, training);
  const got = await evaluate("webgpu", layers, inputShape, training);
  const e = relativeError(got.y, want.y);
  assert.ok(e <= TOL, `${label}: forward output differs by ${e.toExponential(2)} (relative)`);
  assert.deepEqual(got.grads.map(([n]) => n), want.grads.map(([n]) => n));
  for (const [i, [name, g]] of want.grads.entries()) {
    const ge = relativeError(got.grads[i]![1], g);
    assert.ok(ge <= TOL, `${label}: gradient of ${name} differs by ${ge.toExponential(2)}`);
  }
  // A gradient that is all zeros would make the comparison vacuous.
  assert.ok(want.grads[0]![1].some((v) => v !== 0), `${label}: input gradient is all zero`);
}

const gpuTest = async (name: string, fn: () => Promise<void>) =>
  Deno.test({
    name,
    ignore: await missing("webgpu"),
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });

await gpuTest("conv2d matches cpu for every padding and stride, forward and backward", async () => {
  const cases: [string, Layer][] = [
    ["3x3 stride 1 padding 1", conv2d(5, 3, { padding: 1 })],
    ["3x3 stride 2 padding 1", conv2d(5, 3, { strides: 2, padding: 1 })],
    ["3x3 stride 1 valid", conv2d(5, 3)],
    ["3x3 stride 2 valid", conv2d(5, 3, { strides: 2 })],
    ["3x3 stride 2 same", conv2d(5, 3, { strides: 2, padding: "same" })],
    ["1x1 stride 1", conv2d(4, 1)],
    [
      "5x5 stride 2 padding 2 without bias",
      conv2d(6, 5, { strides: 2, padding: 2, useBias: false }),
    ],
    ["2x2 stride 2 valid", conv2d(3, 2, { strides: 2 })],
  ];
  for (const [label, layer] of cases) await assertParity(`conv2d ${label}`, [layer], [7, 7, 3]);
  // At most 16 output positions: the batch-folded im2col kernels, forward and input gradient.
  await assertParity("conv2d 4x4 input, 3x3 padding 1", [conv2d(6, 3, { padding: 1 })], [4, 4, 5]);
  await assertParity("conv2d 2x2 input, 3x3 padding 1", [conv2d(4, 3, { padding: 1 })], [2, 2, 3]);
  await assertParity("conv2d 3x3 input, 2x2 valid", [conv2d(4, 2)], [3, 3, 3]);
  await assertParity("conv2d 4x4 input, relu", [conv2d(4, 3, { padding: 1 }), relu()], [4, 4, 3]);
});

await gpuTest("dense and flatten match cpu, forward and backward", async () => {
  await assertParity("flatten + dense", [flatten(), dense(5)], [3, 3, 2]);
});

await gpuTest("relu matches cpu, forward and backward", async () => {
  await assertParity("conv2d + relu", [conv2d(4, 3, { padding: 1 }), relu()], [5, 5, 3]);
});

await gpuTest("dropout in inference matches cpu, forward and backward", async () => {
  await assertParity("conv2d + dropout", [conv2d(4, 3, { padding: 1 }), dropout(0.5)], [5, 5, 3]);
});

await gpuTest("maxPool2d and avgPool2d match cpu, forward and backward", async () => {
  await assertParity("maxPool2d 2", [maxPool2d(2)], [6, 6, 3]);
  await assertParity("maxPool2d 3 stride 2", [maxPool2d(3, { strides: 2 })], [7, 7, 3]);
  await assertParity("avgPool2d 2", [avgPool2d(2)], [6, 6, 3]);
  await assertParity("avgPool2d 3 stride 2", [avgPool2d(3, { strides: 2 })], [7, 7, 3]);
});

await gpuTest("adaptive and global average pooling match cpu, forward and backward", async () => {
  await assertParity("adaptiveAvgPool2d 5x5 to 3x3", [adaptiveAvgPool2d(3)], [5, 5, 2]);
  await assertParity("adaptiveAvgPool2d 2x2 to 7x7", [adaptiveAvgPool2d(7)], [2, 2, 2]);
  await assertParity("adaptiveAvgPool2d 4x4 to 2x2", [adaptiveAvgPool2d(2)], [4, 4, 2]);
  await assertParity("globalAvgPool2d", [globalAvgPool2d()], [5, 5, 3]);
});

await gpuTest(
  "ResNet kernels match cpu: residual add, padded stride-2 and 1×1 stride-2 convolutions, padded max pooling, global average pooling",
  async () => {
    await assertParity("maxPool2d 3 stride 2 padding 1", [
      maxPool2d(3, { strides: 2, padding: 1 }),
    ], [7, 7, 3]);
    await assertParity("conv2d 1x1 stride 2 without bias", [
      conv2d(6, 1, { strides: 2, useBias: false }),
    ], [8, 8, 3]);
    const tiny = (cifarStem: boolean, block: "basic" | "bottleneck") =>
      resnet({
        block,
        blocks: [1, 1, 1, 1],
        width: 4,
        inputShape: [cifarStem ? 16 : 64, cifarStem ? 16 : 64, 3],
        classes: 5,
        cifarStem,
      });
    // Inputs such that layer4's training-mode BatchNorm sees 8 values per channel (at 1×1 it
    // sees 2, and its gradients are too ill-conditioned to compare).
    for (const training of [false, true]) {
      for (
        const [stem, spec] of [["ImageNet", tiny(false, "basic")], [
          "CIFAR",
          tiny(true, "bottleneck"),
        ]] as const
      ) {
        const label = `${
          spec.node("layer1.0.conv3") ? "bottleneck" : "basic"
        } ResNet, ${stem} stem`;
        await assertParity(`${label}, training ${training}`, spec, [...spec.inputShape], training);
      }
    }
  },
);

await gpuTest(
  "batchNorm matches cpu in training and in inference, forward and backward",
  async () => {
    await assertParity("batchNorm inference", [batchNorm()], [4, 4, 3], false);
    await assertParity("batchNorm training", [batchNorm()], [4, 4, 3], true);
  },
);

/** Losses of a few SGD-with-momentum steps of a tiny VGG on fixed data. */
async function trainTinyVgg(backend: "cpu" | "webgpu", steps: number): Promise<number[]> {
  await on(backend);
  const spec = sequential("tiny_vgg", [8, 8, 3], {
    features: [
      conv2d(8, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      maxPool2d(2),
      conv2d(16, 3, { padding: 1 }),
      relu(),
      maxPool2d(2),
    ],
    classifier: [flatten(), dense(32), relu(), dropout(0.5), dense(10)],
  });
  const model = build(spec, { seed: 3 });
  const opt = tf.train.momentum(0.05, 0.9);
  const x = tf.tensor(randoms(4 * 8 * 8 * 3, 11), [4, 8, 8, 3]);
  const labels = tf.oneHot(tf.tensor1d([1, 4, 7, 9], "int32"), 10);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      true,
    )!;
    losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  tf.dispose([x, labels]);
  opt.dispose();
  model.dispose();
  return losses;
}

await gpuTest("a tiny VGG trains to the same losses on webgpu and cpu", async () => {
  const want = await trainTinyVgg("cpu", 4);
  const got = await trainTinyVgg("webgpu", 4);
  assert.ok(want[3]! < want[0]!, `the cpu losses do not fall: ${want.join(", ")}`);
  const e = relativeError(got, want);
  assert.ok(e <= TOL, `losses differ by ${e.toExponential(2)}: webgpu ${got} vs cpu ${want}`);
});
