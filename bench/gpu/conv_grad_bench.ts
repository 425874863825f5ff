/**
 * Times one convolution layer's three kernels (forward, input gradient, weight gradient) with
 * TensorFlow.js's own programs and with Graft's replacements, on `webgpu` (any adapter) or
 * `cpu`:
 *
 *   flock /tmp/graft-bench.lock deno run --allow-env bench/gpu/conv_grad_bench.ts webgpu 8
 *   flock /tmp/graft-bench.lock deno run --allow-env bench/gpu/conv_grad_bench.ts cpu 2
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { registerWebGpu } from "../../backends/webgpu/mod.ts";
import {
  restoreConvFilterGrad,
  restoreSmallConv,
  useFastConvFilterGrad,
  useSmallConvIm2col,
} from "../../tfjs_kernels/mod.ts";

const backend = Deno.args[0] ?? "webgpu";
const n = Number(Deno.args[1] ?? 8);
if (backend === "webgpu") {
  const r = await registerWebGpu();
  if (!r.ok) throw new Error(r.reason);
  console.log(r.detail);
}
await tf.setBackend(backend);
(tf.findBackend("cpu") as { firstUse?: boolean } | null)!.firstUse = false;

async function time(fn: () => tf.Tensor, reps: number): Promise<number> {
  const warm = fn();
  await warm.data();
  warm.dispose();
  const t = performance.now();
  for (let i = 0; i < reps; i++) {
    const o = fn();
    await o.data();
    o.dispose();
  }
  return (performance.now() - t) / reps;
}

const filterGrad = (x: tf.Tensor, dy: tf.Tensor, c: number) =>
  tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
    strides: 1,
    pad: "same",
    dataFormat: "NHWC",
    filterShape: [3, 3, c, c],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;

const shapes: [number, number][] = backend === "cpu" ? [[32, 64]] : [[32, 64], [8, 256], [4, 512], [
  2,
  512,
]];
console.log(`backend ${backend}, batch ${n}, 3x3 convolution, stride 1, padding same (ms)`);
console.log("layer          | fwd tfjs | fwd graft | dx tfjs | dx graft | dW tfjs | dW graft");
for (const [h, c] of shapes) {
  const x = tf.randomNormal([n, h, h, c]) as tf.Tensor4D;
  const f = tf.randomNormal([3, 3, c, c]) as tf.Tensor4D;
  const dy = tf.randomNormal([n, h, h, c]) as tf.Tensor4D;
  const row: number[] = [];
  for (const graft of [false, true]) {
    if (graft) useSmallConvIm2col(backend);
    else restoreSmallConv(backend);
    row.push(await time(() => tf.conv2d(x, f, 1, "same"), 3));
  }
  for (const graft of [false, true]) {
    if (graft) useSmallConvIm2col(backend);
    else restoreSmallConv(backend);
    row.push(await time(() => tf.conv2dTranspose(dy, f, [n, h, h, c], 1, "same"), 3));
  }
  for (const graft of [false, true]) {
    if (graft) useFastConvFilterGrad(backend);
    else restoreConvFilterGrad(backend);
    row.push(await time(() => filterGrad(x, dy, c), graft ? 3 : 1));
  }
  const cells = row.map((ms) => ms.toFixed(0).padStart(8));
  console.log(`${`${h}x${h}x${c}`.padEnd(14)} | ${cells.join(" | ")}`);
  tf.dispose([x, f, dy]);
}
