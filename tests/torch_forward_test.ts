import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import {
  adaptiveAvgPool2d,
  avgPool2d,
  batchNorm,
  concat,
  conv2d,
  dense,
  dropout,
  flatten,
  globalAvgPool2d,
  graph,
  maxPool2d,
  type Op,
  OP_NAMES,
  relu,
  sequential,
  type Spec,
} from "../dsl/mod.ts";

import { Rng } from "../data/mod.ts";
import { collectWeights } from "../weights/checkpoint.ts";
import { applyWeights } from "../weights/mod.ts";
import { describeTorch } from "../engines/torch/mod.ts";
import { residual } from "./_graph_fixtures.ts";
import { relativeError, torchForward, torchTest } from "./_torch_fixtures.ts";

await useBackend("cpu", { quiet: true });

/** Every op, with BatchNorm in both ranks, dropout, asymmetric "same", uneven adaptive bins. */
function everyOp(): Spec {
  return sequential("every_op", [12, 12, 3], {
    features: [
      conv2d(6, 3, { padding: 1 }),
      batchNorm(),
      relu(),
      conv2d(8, 3, { strides: 2, padding: "same" }), // TensorFlow's "same": pads 0 before, 1 after
      relu(),
      avgPool2d(3, { strides: 1, padding: "same" }),
      maxPool2d(2), // 6 -> 3
      adaptiveAvgPool2d(2), // uneven bins: 3 -> 2
    ],
    classifier: [flatten(), dense(16), batchNorm(), relu(), dropout(0.5), dense(5)],
  });
}

function globalPool(): Spec {
  return sequential("global_pool", [9, 9, 3], {
    features: [conv2d(4, 3, { strides: 2, padding: 1, useBias: false }), relu(), globalAvgPool2d()],
    classifier: [dense(3)],
  });
}

/** The model's weights replaced by random ones (BatchNorm statistics too, variances positive). */
async function randomWeights(spec: Spec, seed: number) {
  const model = build(spec, { seed });
  const rng = new Rng(seed);
  const weights = await collectWeights(model, spec);
  for (const [key, w] of weights) {
    for (let i = 0; i < w.data.length; i++) {
      w.data[i] = key.endsWith("variance") ? 0.5 + rng.next() : (rng.next() - 0.5) * 0.8;
    }
  }
  applyWeights(model, spec, weights, "random");
  return { model, weights };
}

/** A concatenation of two branches (and, with residual(), a sum): graph specs. */
function branches(): Spec {
  return graph("branches", [8, 8, 3])
    .node("stem", conv2d(4, 3, { padding: 1 }))
    .node("left", conv2d(6, 3, { padding: 1 }))
    .node("right", conv2d(2, 1), { from: "stem" })
    .node("join", concat(), { from: ["left", "right"] })
    .node("relu", relu())
    .node("pool", globalAvgPool2d())
    .node("fc", dense(3))
    .spec();
}

const specs = [everyOp(), globalPool(), branches(), residual()];

Deno.test("the forward-parity specs use every op of the catalogue", () => {
  const used = new Set<Op>(specs.flatMap((s) => s.nodes.map((n) => n.op)));
  assert.deepEqual([...OP_NAMES].filter((op) => !used.has(op)), []);
});

for (const spec of specs) {
  Deno.test(
    torchTest(
      `${spec.name}: the engine's module gives Graft's logits from the same weights`,
      async () => {
        const { model, weights } = await randomWeights(spec, 3);
        const shape = [4, ...spec.inputShape];
        const rng = new Rng(9);
        const x = Float32Array.from(
          { length: shape.reduce((a, b) => a * b) },
          () => rng.next() * 2 - 1,
        );
        const graft = tf.tidy(() =>
          (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array
        );
        const torch = await torchForward(describeTorch(spec), weights, x, shape);
        assert.equal(torch.length, graft.length);
        const err = relativeError(torch, graft);
        assert.ok(err <= 1e-4, `relative error ${err}`);
        assert.ok(Math.max(...graft.map(Math.abs)) > 0.01, "logits are not all zero");
      },
    ),
  );
}

Deno.test("describeTorch names modules by path with torchvision's layouts", () => {
  const d = describeTorch(everyOp());
  const byPath = new Map(d.nodes.map((n) => [n.path, n]));
  assert.deepEqual(d.input, [3, 12, 12]);
  assert.equal(d.classes, 5);
  assert.deepEqual(byPath.get("features.3")?.kwargs.pad, [0, 1, 0, 1]);
  assert.equal(byPath.get("features.1")?.module, "BatchNorm2d");
  assert.equal(byPath.get("classifier.2")?.module, "BatchNorm1d");
  assert.deepEqual(byPath.get("classifier.1")?.weights[0]?.layout, { flatten: [2, 2, 8] });
  assert.equal(byPath.get("classifier.5")?.weights[0]?.layout, "io");
});
