import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "./_train_fixtures.ts";
import { Optimizer } from "../train/optimizers.ts";
import type { OptimizerConfig } from "../train/mod.ts";
import { type ModelWeight, scheduleFactor } from "../train/mod.ts";
import { fit, quadrants, tinySpec } from "./_train_fixtures.ts";
import { build } from "../compile/mod.ts";
import { modelWeights } from "../train/mod.ts";

// Reference values computed with PyTorch 1.13 (torch.optim, float64) by
// /usr/bin/python3 on this script's inputs: p0, then three steps with the gradients below.
const P0 = [0.5, -1.0, 2.0, 0.25];
const GRADS = [[0.1, -0.2, 0.3, 0.0], [0.05, 0.4, -0.1, 0.2], [-0.3, 0.1, 0.2, -0.05]];
const TORCH: Record<string, number[][]> = {
  "sgd": [[0.49, -0.98, 1.97, 0.25], [0.485, -1.02, 1.98, 0.23], [0.515, -1.03, 1.96, 0.235]],
  "sgd_momentum": [[0.49, -0.98, 1.97, 0.25], [0.476, -1.002, 1.953, 0.23], [
    0.4934,
    -1.0318,
    1.9177,
    0.217,
  ]],
  "sgd_nesterov_wd": [[0.48005, -0.9601, 1.9392, 0.249525], [
    0.461132905,
    -1.01726581,
    1.92859552,
    0.2108484025,
  ], [0.50516341198, -1.050646323961, 1.870132436512, 0.203363425285]],
  "sgd_dampening": [[0.49, -0.98, 1.97, 0.25], [0.4795, -0.984, 1.951, 0.24], [
    0.4861,
    -0.9922,
    1.9258,
    0.2345,
  ]],
  "adam": [[0.490000001, -0.9900000005, 1.990000000333, 0.25], [
    0.480678205791,
    -0.993661035655,
    1.985997814793,
    0.24255863229,
  ], [0.484150440673, -0.997817547496, 1.979966950158, 0.238528424168]],
  "adam_wd": [[0.490000000667, -0.990000000333, 1.9900000002, 0.240000004], [
    0.480308033213,
    -0.990542953836,
    1.981981119077,
    0.231861656436,
  ], [0.481162148571, -0.990976883789, 1.973163075171, 0.226369811366]],
  "adamw": [[0.489950001, -0.9899000005, 1.989800000333, 0.249975], [
    0.480579210791,
    -0.993462045655,
    1.985598834793,
    0.24250863479,
  ], [0.484003387752, -0.997519211292, 1.979369410274, 0.238454175804]],
  "adamw_wd": [[0.487500099999, -0.98500005, 1.980000033333, 0.24875], [
    0.475913443322,
    -0.984285064671,
    1.966614708055,
    0.239669229733,
  ], [0.47786262679, -0.983890103234, 1.950851872015, 0.234684333557]],
};
// OneCycleLR(max_lr=1, total_steps=20, pct_start=0.3) and CosineAnnealingLR(T_max=20, eta_min=0.1).
const ONE_CYCLE = [
  0.04,
  0.1316718427,
  0.3716718427,
  0.6683281573,
  0.9083281573,
  1.0,
  0.987464006235,
  0.950484632013,
  0.890916177571,
  0.81174565395,
  0.716943001791,
  0.611262021936,
  0.500002,
  0.388741978064,
  0.283060998209,
  0.18825834605,
  0.109087822429,
  0.049519367987,
  0.012539993765,
  4e-06,
];
const COSINE = [
  1.0,
  0.994459753268,
  0.977975432333,
  0.950952935885,
  0.914057647469,
  0.868198051534,
  0.814503363532,
  0.754295724883,
  0.689057647469,
  0.620395509268,
  0.55,
  0.479604490732,
  0.410942352531,
  0.345704275117,
  0.285496636468,
  0.231801948466,
  0.185942352531,
  0.149047064115,
  0.122024567667,
  0.105540246732,
];

const CONFIGS: Record<string, OptimizerConfig> = {
  sgd: { type: "sgd", lr: 0.1 },
  sgd_momentum: { type: "sgd", lr: 0.1, momentum: 0.9 },
  sgd_nesterov_wd: { type: "sgd", lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  sgd_dampening: { type: "sgd", lr: 0.1, momentum: 0.8, dampening: 0.5 },
  adam: { type: "adam", lr: 0.01 },
  adam_wd: { type: "adam", lr: 0.01, weightDecay: 0.1 },
  adamw: { type: "adamw", lr: 0.01 },
  adamw_wd: { type: "adamw", lr: 0.01, weightDecay: 0.5, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 },
};

for (const [name, config] of Object.entries(CONFIGS)) {
  for (const inPlace of [true, false]) {
    const path = inPlace ? "in place (CPU backends)" : "as tensor ops (other backends)";
    Deno.test(`${name} follows PyTorch's update rule step by step, ${path}`, async () => {
      const variable = tf.variable(tf.tensor1d(P0));
      const param: ModelWeight = { key: "w/kernel", group: "w", trainable: true, variable };
      const opt = new Optimizer(config, [param], { inPlace });
      const lr = typeof config.lr === "number" ? config.lr : 0;
      GRADS.forEach((g, i) => {
        const grad = tf.tensor1d(g);
        opt.apply(new Map([["w/kernel", grad]]), { w: lr });
        grad.dispose();
        const got = Array.from(variable.dataSync());
        TORCH[name]![i]!.forEach((want, j) =>
          assert.ok(Math.abs(got[j]! - want) < 2e-6, `step ${i + 1}[${j}]: ${got[j]} vs ${want}`)
        );
      });
      // State round-trips: a copy continues exactly like the original.
      const copy = new Optimizer(config, [param]);
      copy.setState(await opt.getState());
      assert.equal(copy.step, 3);
      assert.deepEqual(
        [...(await copy.getState()).slots.keys()],
        [...(await opt.getState()).slots.keys()],
      );
      opt.dispose();
      copy.dispose();
      variable.dispose();
    });
  }
}

Deno.test("one-cycle and cosine schedules match PyTorch's per-step learning rates", () => {
  ONE_CYCLE.forEach((want: number, step: number) => {
    const got = scheduleFactor({ type: "oneCycle" }, step, 20, 5);
    assert.ok(Math.abs(got - want) < 1e-9, `one-cycle step ${step}: ${got} vs ${want}`);
  });
  COSINE.forEach((want: number, step: number) => {
    const got = scheduleFactor({ type: "cosine", minFactor: 0.1 }, step, 20, 5);
    assert.ok(Math.abs(got - want) < 1e-9, `cosine step ${step}: ${got} vs ${want}`);
  });
});

Deno.test("step and constant schedules, and cosine warm-up", () => {
  const step = (s: number) => scheduleFactor({ type: "step", stepSize: 2, gamma: 0.5 }, s, 100, 10);
  assert.deepEqual([0, 19, 20, 39, 40, 99].map(step), [1, 1, 0.5, 0.5, 0.25, 0.0625]);
  assert.equal(scheduleFactor({ type: "constant" }, 57, 100, 10), 1);
  const warm = (s: number) => scheduleFactor({ type: "cosine", warmupSteps: 4 }, s, 104, 10);
  assert.deepEqual([0, 1, 2, 3].map(warm), [0.25, 0.5, 0.75, 1]);
  assert.ok(Math.abs(warm(54) - 0.5) < 1e-12);
});

Deno.test("the schedule reaches the optimizer at every step, per group", async () => {
  const seen: Record<string, number>[] = [];
  await fit(tinySpec(), {
    train: quadrants(16),
    epochs: 2,
    batchSize: 8,
    optimizer: { type: "sgd", lr: { features: 0.01, "*": 0.1 } },
    schedule: { type: "step", stepSize: 1, gamma: 0.1 },
    callbacks: [{ onBatchEnd: (e) => void seen.push({ ...e.lr }) }],
  });
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  assert.equal(seen.length, 4);
  assert.ok(close(seen[1]!.features!, 0.01) && close(seen[1]!.classifier!, 0.1));
  assert.ok(close(seen[2]!.features!, 0.001) && close(seen[2]!.classifier!, 0.01));
});

Deno.test("per-group learning rates: a group at rate 0 keeps its weights", async () => {
  const spec = tinySpec();
  const model = build(spec, { seed: 5 });
  const before = new Map(modelWeights(model).map((w) => [w.key, w.variable.dataSync().slice()]));
  await fit(spec, {
    model,
    train: quadrants(16),
    epochs: 1,
    batchSize: 8,
    optimizer: { type: "adam", lr: { features: 0, classifier: 0.01 } },
  });
  for (const w of modelWeights(model)) {
    const same = w.variable.dataSync().every((v, i) => v === before.get(w.key)![i]);
    assert.equal(same, w.group === "features", w.key);
  }
});

Deno.test("label smoothing follows PyTorch: (1 - e) * nll + e * mean over classes", async () => {
  const { crossEntropy } = await import("../train/mod.ts");
  const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
  const labels = tf.tensor1d([0, 1], "int32");
  const plain = crossEntropy(logits, labels).dataSync()[0]!;
  const smooth = crossEntropy(logits, labels, 0.1).dataSync()[0]!;
  // torch.nn.functional.cross_entropy(logits, labels[, label_smoothing=0.1])
  assert.ok(Math.abs(plain - 1.4109273) < 1e-5, `${plain}`);
  assert.ok(Math.abs(smooth - 1.4525939) < 1e-5, `${smooth}`);
  tf.dispose([logits, labels]);
});
