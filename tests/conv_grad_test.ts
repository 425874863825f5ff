/** The matrix-product convolution weight gradient against TensorFlow.js's own kernel (cpu). */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-layers"; // registers the gradients of tfjs-core ops
import { conv2dFilterGrad, type ConvPadding } from "../tfjs_kernels/_conv2d_filter_grad.ts";
import { restoreConvFilterGrad, useFastConvFilterGrad } from "../tfjs_kernels/mod.ts";
import { randoms, relativeError } from "./_webgpu_env.ts";

await tf.setBackend("cpu");
(tf.findBackend("cpu") as { firstUse?: boolean }).firstUse = false;

type F4 = [number, number, number, number];

/** TensorFlow.js's own Conv2DBackpropFilter kernel, whichever is registered. */
function reference(
  x: tf.Tensor,
  dy: tf.Tensor,
  filterShape: F4,
  strides: number,
  pad: ConvPadding,
) {
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
    strides,
    pad,
    dataFormat: "NHWC",
    dimRoundingMode: undefined,
    filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function inputs(xShape: F4, filterShape: F4, strides: number, pad: ConvPadding, seed: number) {
  const x = tf.tensor(randoms(tf.util.sizeFromShape(xShape), seed), xShape) as tf.Tensor4D;
  const yShape = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad).outShape;
  const dy = tf.tensor(randoms(tf.util.sizeFromShape(yShape), seed + 1), yShape) as tf.Tensor4D;
  return { x, dy };
}

const CASES: [F4, F4, number, ConvPadding][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, "same"],
  [[2, 9, 7, 3], [3, 3, 3, 5], 1, "same"],
  [[2, 9, 7, 3], [3, 3, 3, 5], 2, "same"],
  [[2, 9, 7, 3], [3, 3, 3, 5], 1, "valid"],
  [[3, 8, 8, 4], [3, 3, 4, 6], 2, "valid"],
  [[2, 7, 7, 3], [3, 3, 3, 5], 1, 1],
  [[2, 7, 7, 3], [5, 5, 3, 2], 2, 2],
  [[3, 5, 5, 2], [1, 1, 2, 3], 1, "valid"],
  [[2, 6, 6, 3], [2, 2, 3, 4], 2, "valid"],
];

Deno.test("conv2dFilterGrad equals the reference kernel for every stride, padding and size", () => {
  for (const [i, [xs, fs, s, p]] of CASES.entries()) {
    const { x, dy } = inputs(xs, fs, s, p, 10 * i + 1);
    const want = reference(x, dy, fs, s, p);
    const got = conv2dFilterGrad(x, dy, fs, s, p);
    assert.deepEqual(got.shape, fs);
    const e = relativeError(got.dataSync(), want.dataSync());
    assert.ok(e <= 1e-5, `x ${xs} filter ${fs} stride ${s} pad ${p}: relative error ${e}`);
    tf.dispose([x, dy, want, got]);
  }
});

Deno.test("conv2dFilterGrad gives the same sum when the batch is split into blocks", () => {
  const { x, dy } = inputs([5, 6, 6, 3], [3, 3, 3, 4], 1, "same", 3);
  const whole = conv2dFilterGrad(x, dy, [3, 3, 3, 4], 1, "same");
  const blocks = conv2dFilterGrad(x, dy, [3, 3, 3, 4], 1, "same", undefined, {
    maxBlockElements: 2 * 36 * 27, // two images per block: blocks of 2, 2 and 1
  });
  assert.ok(relativeError(blocks.dataSync(), whole.dataSync()) <= 1e-6);
  assert.equal(tf.memory().numTensors, 4);
  tf.dispose([x, dy, whole, blocks]);
});

Deno.test("useFastConvFilterGrad serves the gradients of conv2d and fused conv2d", () => {
  const { x, dy } = inputs([2, 6, 6, 3], [3, 3, 3, 4], 1, "same", 5);
  const filter = tf.tensor(randoms(108, 9), [3, 3, 3, 4]) as tf.Tensor4D;
  const bias = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const gradOf = () => [
    tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, "same"), dy)))(
      filter,
    ),
    tf.grad((f: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.fused.conv2d({ x, filter: f as tf.Tensor4D, strides: 1, pad: "same", bias }), dy),
      )
    )(filter),
  ];
  const original = tf.getKernel("Conv2DBackpropFilter", "cpu")!.kernelFunc;
  const [plain, fused] = gradOf();
  assert.equal(useFastConvFilterGrad("cpu"), true);
  assert.equal(useFastConvFilterGrad("cpu"), true);
  assert.notEqual(tf.getKernel("Conv2DBackpropFilter", "cpu")!.kernelFunc, original);
  let calls = 0;
  const fast = tf.getKernel("Conv2DBackpropFilter", "cpu")!;
  tf.unregisterKernel("Conv2DBackpropFilter", "cpu");
  tf.registerKernel({ ...fast, kernelFunc: (a) => (calls++, fast.kernelFunc(a)) });
  const [plain2, fused2] = gradOf();
  assert.equal(calls, 2);
  assert.ok(relativeError(plain2!.dataSync(), plain!.dataSync()) <= 1e-5);
  assert.ok(relativeError(fused2!.dataSync(), fused!.dataSync()) <= 1e-5);
  tf.unregisterKernel("Conv2DBackpropFilter", "cpu");
  tf.registerKernel(fast);
  restoreConvFilterGrad("cpu");
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "cpu")!.kernelFunc, original);
  tf.dispose([x, dy, filter, bias, plain!, fused!, plain2!, fused2!]);
});

Deno.test("useFastConvFilterGrad leaves explicit padding to the original kernel", () => {
  useFastConvFilterGrad("cpu");
  const { x, dy } = inputs([1, 5, 5, 2], [3, 3, 2, 2], 1, "valid", 7);
  const pad = [[0, 0], [1, 1], [1, 1], [0, 0]] as unknown as ConvPadding;
  const { dy: dyPadded } = inputs([1, 7, 7, 2], [3, 3, 2, 2], 1, "valid", 8);
  const got = reference(x, dyPadded, [3, 3, 2, 2], 1, pad);
  restoreConvFilterGrad("cpu");
  const want = reference(x, dyPadded, [3, 3, 2, 2], 1, pad);
  assert.ok(relativeError(got.dataSync(), want.dataSync()) === 0);
  assert.equal(useFastConvFilterGrad("no-such-backend"), false);
  tf.dispose([x, dy, dyPadded, got, want]);
});
