import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { convLowering } from "../backends/native/_conv.ts";
import { NATIVE_BACKEND_NAME } from "../backends/native/mod.ts";
import { assertSameOnBoth, randomValues, requireNative } from "./_native_compare.ts";
import { missing } from "./_requires.ts";

type Case = [
  batch: number,
  h: number,
  w: number,
  ci: number,
  co: number,
  k: number,
  stride: 1 | 2,
  pad: "same" | "valid",
];

const CONV_CASES: Case[] = [
  [1, 7, 7, 3, 5, 3, 1, "same"],
  [2, 9, 8, 5, 7, 3, 1, "valid"],
  [2, 9, 9, 6, 3, 3, 2, "same"],
  [3, 8, 7, 5, 4, 3, 2, "valid"],
  [2, 5, 5, 3, 4, 1, 1, "valid"],
  [2, 6, 6, 4, 5, 5, 1, "same"],
  [2, 3, 3, 4, 6, 3, 1, "same"],
  [1, 10, 10, 9, 11, 2, 2, "same"],
  [2, 2, 2, 10, 6, 3, 1, "same"],
  [2, 16, 16, 17, 7, 3, 1, "same"],
  [1, 13, 11, 18, 9, 3, 1, "valid"],
  [2, 12, 12, 3, 4, 1, 1, "valid"],
  [3, 15, 14, 16, 3, 3, 1, "same"],
];

Deno.test("the conv cases exercise both the shifted and the im2col lowering", () => {
  const ways = CONV_CASES.map(([n, h, w, ci, co, k, s, pad]) => {
    const oh = pad === "same" ? Math.ceil(h / s) : Math.ceil((h - k + 1) / s);
    const ow = pad === "same" ? Math.ceil(w / s) : Math.ceil((w - k + 1) / s);
    const padTop = pad === "same" ? Math.floor(Math.max(0, (oh - 1) * s + k - h) / 2) : 0;
    const padLeft = pad === "same" ? Math.floor(Math.max(0, (ow - 1) * s + k - w) / 2) : 0;
    return convLowering({
      batch: n,
      inHeight: h,
      inWidth: w,
      inChannels: ci,
      outHeight: oh,
      outWidth: ow,
      outChannels: co,
      filterHeight: k,
      filterWidth: k,
      strideHeight: s,
      strideWidth: s,
      dilationHeight: 1,
      dilationWidth: 1,
      padTop,
      padLeft,
    });
  });
  assert.equal(ways.filter((w) => w === "shifted").length, 5);
  assert.equal(ways.filter((w) => w === "im2col").length, CONV_CASES.length - 5);
});

function inputs([n, h, w, ci, co, k, s, pad]: Case, seed: number) {
  const x = tf.tensor4d(randomValues(n * h * w * ci, seed), [n, h, w, ci]);
  const f = tf.tensor4d(randomValues(k * k * ci * co, seed + 1), [k, k, ci, co]);
  const b = tf.tensor1d(randomValues(co, seed + 2));
  const probe = tf.conv2d(x, f, s, pad);
  const r = tf.tensor(randomValues(probe.size, seed + 3), probe.shape);
  return { x, f, b, r, s, pad };
}

Deno.test(
  "native conv2d matches the cpu kernel forward and backward over strides, paddings and odd sizes",
  { ignore: await missing("native") },
  async () => {
    await requireNative();
    let seed = Math.floor(Math.random() * 1e6);
    for (const c of CONV_CASES) {
      seed += 10;
      await assertSameOnBoth(`conv2d ${c.join(",")} seed ${seed}`, () => {
        const { x, f, r, s, pad } = inputs(c, seed);
        const loss = (xx: tf.Tensor, ff: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, s, pad), r));
        const [dx, df] = tf.grads(loss)([x, f]);
        return [tf.conv2d(x, f, s, pad), dx!, df!];
      });
    }
  },
);

Deno.test("native fused conv2d with bias matches cpu, with relu forward and linear gradients", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  let seed = Math.floor(Math.random() * 1e6);
  for (const c of [CONV_CASES[0]!, CONV_CASES[2]!, CONV_CASES[6]!]) {
    seed += 10;
    await assertSameOnBoth(`fused conv2d ${c.join(",")} seed ${seed}`, () => {
      const { x, f, b, r, s, pad } = inputs(c, seed);
      const relu = tf.fused.conv2d({ x, filter: f, bias: b, strides: s, pad, activation: "relu" });
      const sixed = tf.fused.conv2d({
        x,
        filter: f,
        bias: b,
        strides: s,
        pad,
        activation: "relu6",
      });
      const loss = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(
          tf.fused.conv2d({
            x: xx as tf.Tensor4D,
            filter: ff as tf.Tensor4D,
            bias: bb,
            strides: s,
            pad,
          }),
          r,
        ));
      const [dx, df, db] = tf.grads(loss)([x, f, b]);
      return [relu, sixed, dx!, df!, db!];
    });
  }
});

Deno.test(
  "native conv2d handles dilation in the forward pass",
  { ignore: await missing("native") },
  async () => {
    await requireNative();
    const seed = Math.floor(Math.random() * 1e6);
    await assertSameOnBoth(`dilated conv2d seed ${seed}`, () => {
      const x = tf.tensor4d(randomValues(2 * 9 * 9 * 3, seed), [2, 9, 9, 3]);
      const f = tf.tensor4d(randomValues(3 * 3 * 3 * 5, seed + 1), [3, 3, 3, 5]);
      return [tf.conv2d(x, f, 1, "same", "NHWC", 2), tf.conv2d(x, f, 1, "valid", "NHWC", [2, 1])];
    });
  },
);

Deno.test("native matMul matches cpu with transposes, batches, broadcasting and fused bias", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const seed = Math.floor(Math.random() * 1e6);
  await assertSameOnBoth(`matMul seed ${seed}`, () => {
    const a = tf.tensor2d(randomValues(5 * 7, seed), [5, 7]);
    const b = tf.tensor2d(randomValues(7 * 3, seed + 1), [7, 3]);
    const bias = tf.tensor1d(randomValues(3, seed + 2));
    const a3 = tf.tensor3d(randomValues(4 * 7 * 5, seed + 3), [4, 7, 5]);
    const b3 = tf.tensor3d(randomValues(1 * 3 * 7, seed + 4), [1, 3, 7]);
    const r = tf.tensor2d(randomValues(5 * 3, seed + 5), [5, 3]);
    const loss = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) =>
      tf.sum(tf.mul(tf.fused.matMul({ a: aa as tf.Tensor2D, b: bb as tf.Tensor2D, bias: cc }), r));
    const [da, db, dbias] = tf.grads(loss)([a, b, bias]);
    return [
      tf.matMul(a, b),
      tf.matMul(b, a, true, true),
      tf.matMul(a3, b3, true, true),
      tf.fused.matMul({ a, b, bias, activation: "relu" }),
      tf.fused.matMul({ a, b, bias, activation: "sigmoid" }),
      da!,
      db!,
      dbias!,
    ];
  });
});

Deno.test("native maxPool matches cpu forward and backward, ties included", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  const seed = Math.floor(Math.random() * 1e6);
  const shapes: [number, number, number, number][] = [[2, 7, 9, 5], [1, 8, 8, 3], [3, 4, 4, 12]];
  for (const shape of shapes) {
    await assertSameOnBoth(`maxPool ${shape.join("x")} seed ${seed}`, () => {
      const size = shape.reduce((p, q) => p * q);
      // relu makes many zeros, so windows with ties are common.
      const x = tf.relu(tf.tensor4d(randomValues(size, seed), shape));
      const out: tf.Tensor[] = [];
      for (
        const [k, s, pad] of [[2, 2, "valid"], [2, 2, "same"], [3, 2, "same"], [
          3,
          1,
          "valid",
        ]] as const
      ) {
        const y = tf.maxPool(x, k, s, pad);
        const r = tf.tensor(randomValues(y.size, seed + k + s), y.shape);
        const g = tf.grad((xx: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, k, s, pad), r))
        );
        out.push(y, g(x));
      }
      return out;
    });
  }
});

Deno.test("native relu and sum match cpu", { ignore: await missing("native") }, async () => {
  await requireNative();
  const seed = Math.floor(Math.random() * 1e6);
  await assertSameOnBoth(`relu/sum seed ${seed}`, () => {
    const x = tf.tensor4d(randomValues(3 * 5 * 4 * 7, seed), [3, 5, 4, 7]);
    const r = tf.tensor4d(randomValues(3 * 5 * 4 * 7, seed + 1), [3, 5, 4, 7]);
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.relu(xx), r)))(x);
    return [
      tf.relu(x),
      dx,
      tf.sum(x, [0, 1, 2]),
      tf.sum(x, [0, 1], true),
      tf.sum(x, [2, 3]),
      tf.sum(x, 1),
      tf.sum(x),
    ];
  });
});

Deno.test(
  "native add, sub, mul, div, floor and step match cpu over shapes, scalars and broadcasts",
  {
    ignore: await missing("native"),
  },
  async () => {
    await requireNative();
    const seed = Math.floor(Math.random() * 1e6);
    await assertSameOnBoth(`binary seed ${seed}`, () => {
      const a = tf.tensor3d(randomValues(4 * 3 * 5, seed), [4, 3, 5]);
      const b = tf.tensor3d(randomValues(4 * 3 * 5, seed + 1), [4, 3, 5]);
      const row = tf.tensor1d(randomValues(5, seed + 2));
      const plane = tf.tensor3d(randomValues(3 * 5, seed + 3), [1, 3, 5]);
      const col = tf.tensor3d(randomValues(4 * 3, seed + 4), [4, 3, 1]);
      const s = tf.scalar(0.37);
      const out: tf.Tensor[] = [];
      for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
        out.push(op(a, b), op(a, row), op(row, a), op(plane, a), op(a, s), op(s, a), op(a, col));
      }
      out.push(tf.step(a), tf.step(a, 0.25), tf.step(tf.relu(a)));
      // Dropout's mask: floor(uniform + keep) / keep, then a product.
      out.push(tf.floor(tf.mul(a, 3)), tf.dropout(a, 0.4, undefined, seed));
      return out;
    });
  },
);

Deno.test("dropout's floor and division run on native kernels of their own", {
  ignore: await missing("native"),
}, async () => {
  await requireNative();
  for (const name of ["RealDiv", "Floor", "Add", "Multiply"]) {
    const native = tf.getKernel(name, NATIVE_BACKEND_NAME)?.kernelFunc;
    assert.ok(native, name);
    assert.notEqual(native, tf.getKernel(name, "cpu")?.kernelFunc, `${name} is not cpu's`);
  }
});

Deno.test(
  "native kernels fall back to cpu for int32 inputs",
  { ignore: await missing("native") },
  async () => {
    await requireNative();
    await tf.setBackend("graft-native");
    const s = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), 0).arraySync());
    assert.deepEqual(s, [4, 6]);
    const m = tf.tidy(() =>
      tf.matMul(
        tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"),
        tf.tensor2d([1, 0, 0, 1], [2, 2], "int32"),
      )
        .arraySync()
    );
    assert.deepEqual(m, [[1, 2], [3, 4]]);
  },
);

Deno.test(
  "native batch norm with fixed statistics matches cpu, with and without scale and offset",
  { ignore: await missing("native") },
  async () => {
    await requireNative();
    const seed = Math.floor(Math.random() * 1e6);
    await assertSameOnBoth(`batchNorm seed ${seed}`, () => {
      const x = tf.tensor4d(randomValues(2 * 5 * 4 * 7, seed), [2, 5, 4, 7]);
      const p = (k: number, shape: number[] = [7]) =>
        tf.tensor(randomValues(7, seed + k).map((v) => v + 1.5), shape);
      return [
        tf.batchNorm(x, p(1), p(2), p(3), p(4), 1e-5),
        tf.batchNorm(x, p(1), p(2), undefined, undefined, 1e-3),
        tf.batchNorm(
          x,
          p(1, [1, 1, 1, 7]),
          p(2, [1, 1, 1, 7]),
          p(3, [1, 1, 1, 7]),
          p(4, [1, 1, 1, 7]),
          1e-5,
        ),
        tf.batchNorm(x, tf.scalar(0.5), tf.scalar(2), tf.scalar(1), tf.scalar(3), 1e-5),
        tf.batchNorm(tf.tensor2d(randomValues(6 * 7, seed + 9), [6, 7]), p(1), p(2), p(3), p(4)),
      ];
    });
  },
);
