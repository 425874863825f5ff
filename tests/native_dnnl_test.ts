import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { backend_util } from "@tensorflow/tfjs-core";
import { openNativeLibrary } from "../backends/native/_library.ts";
import { type NativePrimitives, nativePrimitives } from "../backends/native/_primitives.ts";
import {
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
} from "../backends/native/_conv.ts";
import { type ConvGeometry, convGeometry } from "../tfjs_kernels/conv_geometry.ts";
import { maxPoolBackward, maxPoolForward } from "../backends/native/_pool.ts";
import { poolGeometry } from "../backends/native/_ffi_kernels.ts";
import { reluGrad } from "../backends/native/_elementwise.ts";
import { sumOuter, sumOuterGemm } from "../backends/native/_reduce.ts";
import { tuneMalloc } from "../backends/native/_malloc.ts";
import { batchNormBackward, batchNormForward } from "../tfjs_kernels/_batch_norm_math.ts";
import { NATIVE_BACKEND_NAME } from "../backends/native/mod.ts";
import { randomValues, relativeError, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

function opened() {
  const r = openNativeLibrary({});
  assert.ok(r.ok, r.ok ? "" : r.reason);
  assert.ok(r.lib.dnnl, `oneDNN primitives did not load: ${r.lib.detail}`);
  const primitives: NativePrimitives = nativePrimitives(r.lib.dnnl);
  return { gemm: r.lib.gemm, primitives, detail: r.lib.detail };
}

function geometry(
  x: [number, number, number, number],
  f: [number, number, number, number],
  stride: number,
  pad: "same" | "valid",
  dilation = 1,
): ConvGeometry {
  return convGeometry(backend_util.computeConv2DInfo(x, f, stride, dilation, pad));
}

const CASES: [
  x: [number, number, number, number],
  f: [number, number, number, number],
  stride: number,
  pad: "same" | "valid",
  dilation: number,
][] = [
  [[1, 7, 7, 3], [3, 3, 3, 5], 1, "same", 1],
  [[2, 9, 8, 5], [3, 3, 5, 7], 1, "valid", 1],
  [[2, 9, 9, 6], [3, 3, 6, 3], 2, "same", 1],
  [[3, 8, 7, 5], [3, 3, 5, 4], 2, "valid", 1],
  [[2, 5, 5, 3], [1, 1, 3, 4], 1, "valid", 1],
  [[2, 6, 6, 4], [5, 5, 4, 5], 1, "same", 1],
  [[1, 10, 10, 9], [2, 2, 9, 11], 2, "same", 1],
  [[2, 16, 16, 17], [3, 3, 17, 7], 1, "same", 1],
  [[2, 12, 11, 8], [3, 3, 8, 16], 1, "same", 2],
  [[4, 8, 8, 64], [3, 3, 64, 32], 1, "same", 1],
];

Deno.test("oneDNN convolutions agree with the GEMM lowerings forward and backward", {
  ignore: await missing("native"),
}, () => {
  const { gemm, primitives } = opened();
  const convs = primitives.convolutions;
  const seed = Math.floor(Math.random() * 1e6);
  for (const [xs, fs, stride, pad, dilation] of CASES) {
    const g = geometry(xs, fs, stride, pad, dilation);
    const label = `${xs} * ${fs} stride ${stride} ${pad} dilation ${dilation} seed ${seed}`;
    const x = randomValues(xs.reduce((a, b) => a * b), seed);
    const w = randomValues(fs.reduce((a, b) => a * b), seed + 1);
    const bias = randomValues(fs[3], seed + 2);
    const dy = randomValues(g.batch * g.outHeight * g.outWidth * g.outChannels, seed + 3);
    for (const act of ["linear", "relu"] as const) {
      const got = convs.forward(g, x, w, bias, act);
      assert.ok(got, `forward ran on oneDNN: ${label}`);
      const want = conv2dForward(gemm, g, x, w, bias, act);
      assert.ok(relativeError(got, want) < 1e-4, `forward ${act}: ${label}`);
    }
    const noBias = convs.forward(g, x, w, null, "linear");
    assert.ok(noBias && relativeError(noBias, conv2dForward(gemm, g, x, w, null, "linear")) < 1e-4);
    const dx = convs.backwardData(g, dy, w);
    assert.ok(dx, `backward data ran on oneDNN: ${label}`);
    assert.ok(relativeError(dx, conv2dBackpropInput(gemm, g, dy, w)) < 1e-4, `dx: ${label}`);
    const dw = convs.backwardFilter(g, x, dy);
    assert.ok(dw, `backward filter ran on oneDNN: ${label}`);
    assert.ok(relativeError(dw, conv2dBackpropFilter(gemm, g, x, dy)) < 1e-4, `dw: ${label}`);
  }
  const impls = [...convs.implementations().values()];
  assert.ok(impls.length >= CASES.length * 4);
  assert.ok(impls.every((s) => s.length > 0 && s !== "?"));
});

Deno.test("oneDNN max pooling carries its workspace to the gradient and matches the loops", {
  ignore: await missing("native"),
}, () => {
  const { primitives } = opened();
  const pool = primitives.maxPool;
  const seed = Math.floor(Math.random() * 1e6);
  for (
    const [shape, k, s, pad] of [
      [[2, 8, 8, 5], 2, 2, "valid"],
      [[2, 7, 9, 5], 2, 2, "same"],
      [[1, 9, 9, 16], 3, 2, "same"],
      [[3, 6, 6, 3], 3, 1, "valid"],
    ] as const
  ) {
    const info = backend_util.computePool2DInfo([...shape], k, s, 1, pad);
    const g = poolGeometry(info);
    // Rounding to quarters makes ties in most windows.
    const size = shape.reduce<number>((a, b) => a * b, 1);
    const x = randomValues(size, seed).map((v) => Math.round(v * 4) / 4);
    const y = pool.forward(g, x);
    assert.ok(y, `forward ran on oneDNN: ${shape} k${k} s${s} ${pad}`);
    assert.deepEqual(y, maxPoolForward(g, x));
    const dy = randomValues(y.length, seed + 1);
    const dx = pool.backward(g, dy, y);
    assert.ok(dx, "backward found the forward workspace");
    // Overlapping windows add their contributions in another order.
    assert.ok(relativeError(dx, maxPoolBackward(g, x, dy)) < 1e-6, `backward: ${shape} k${k}`);
    assert.equal(pool.backward(g, dy, Float32Array.from(y)), undefined, "an unknown output");
  }
});

Deno.test("oneDNN's ReLU gradient and the one-pass loop agree, zeros and signs included", {
  ignore: await missing("native"),
}, () => {
  const { primitives } = opened();
  const x = randomValues(100_003, 7);
  x[0] = 0, x[1] = -0, x[2] = Number.POSITIVE_INFINITY, x[3] = Number.NEGATIVE_INFINITY;
  const dy = randomValues(x.length, 8);
  const got = primitives.reluGrad.backward(x, dy);
  assert.ok(got);
  const want = reluGrad(x, dy);
  // oneDNN writes 0 * dy, so a zero may carry dy's sign: equal as numbers, not as bits.
  const differing = got.filter((v, i) => v !== want[i]).length;
  assert.equal(differing, 0);
  assert.ok([...got.subarray(0, 4)].every((v, i) => v === [0, 0, dy[2], 0][i]));
  assert.ok(want.filter((v) => v !== 0).length > 40_000, "about half the gradient passes");
});

Deno.test("the GEMM bias-gradient sum equals the loop", { ignore: await missing("native") }, () => {
  const { gemm } = opened();
  const x = randomValues(4096 * 24, 3);
  assert.ok(relativeError(sumOuterGemm(gemm, x, 4096, 24), sumOuter(x, 4096, 24)) < 1e-5);
  assert.deepEqual(
    [...sumOuterGemm(gemm, new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2)],
    [9, 12],
  );
});

Deno.test(
  "GRAFT_PRIMITIVES=gemm keeps oneDNN to its GEMM",
  { ignore: await missing("native") },
  () => {
    const r = openNativeLibrary({ primitives: "gemm" });
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.lib.dnnl, undefined);
    assert.match(r.lib.detail, /^oneDNN \d+\.\d+\.\d+ sgemm \(/);
    assert.match(opened().detail, /^oneDNN \d+\.\d+\.\d+ primitives and sgemm \(/);
  },
);

Deno.test("malloc tuning applies on Linux and is done once", () => {
  const first = tuneMalloc();
  assert.equal(first, Deno.build.os === "linux");
  assert.equal(tuneMalloc(), first);
});

Deno.test("the ReLU gradient runs as one native kernel on native and is unchanged on cpu", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  await tf.setBackend("cpu");
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const x = tf.tensor1d([-2, -0, 0, 1, NaN, 3]);
  const dy = tf.tensor1d([1, 2, 3, 4, 5, Infinity]);
  const grad = (t: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dy))(t);
  // TensorFlow.js's own rule, dy * step(x): NaN stays NaN.
  assert.deepEqual([...grad(x).dataSync()], [0, 0, 0, 4, NaN, Infinity]);
  await tf.setBackend(NATIVE_BACKEND_NAME);
  const xn = tf.tensor1d([-2, -0, 0, 1, 3]), dyn = tf.tensor1d([1, 2, 3, 4, 5]);
  const profile = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dyn))(xn));
  const names = profile.kernels.map((k) => k.name);
  assert.ok(names.includes("GraftReluGrad"), names.join(","));
  assert.equal(names.includes("Step"), false);
  const got = tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dyn))(xn);
  assert.deepEqual([...got.dataSync()], [0, 0, 0, 4, 5]);
});

Deno.test("oneDNN batch normalisation matches the loops forward and backward", {
  ignore: await missing("native"),
}, () => {
  const { primitives } = opened();
  for (const [rows, c] of [[120, 7], [64 * 16, 32], [5, 3]] as const) {
    const x = randomValues(rows * c, rows).map((v, i) => v * 3 + (i % c));
    const gamma = randomValues(c, 2), beta = randomValues(c, 3), dy = randomValues(rows * c, 4);
    const got = primitives.batchNorm.forward(x, gamma, beta, 1e-5);
    assert.ok(got, `forward ran on oneDNN: ${rows}x${c}`);
    const want = batchNormForward(x, gamma, beta, 1e-5);
    assert.ok(relativeError(got.y, want.y) < 1e-4, "y");
    assert.ok(relativeError(got.mean, want.mean) < 1e-5, "mean");
    assert.ok(relativeError(got.variance, want.variance) < 1e-4, "variance");
    const g = primitives.batchNorm.backward(dy, x, gamma, want.mean, want.variance, 1e-5);
    assert.ok(g, `backward ran on oneDNN: ${rows}x${c}`);
    const w = batchNormBackward(dy, x, gamma, want.mean, want.variance, 1e-5);
    assert.ok(relativeError(g.dx, w.dx) < 1e-4, "dx");
    assert.ok(relativeError(g.dgamma, w.dgamma) < 1e-4, "dgamma");
    assert.ok(relativeError(g.dbeta, w.dbeta) < 1e-4, "dbeta");
  }
});
