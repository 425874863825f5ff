import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { quadrants, tinySpec } from "./_train_fixtures.ts";
import { arrayDataset } from "../data/mod.ts";
import { dense, flatten, sequential } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";
import {
  checkpointing,
  evaluate,
  modelWeights,
  readCheckpoint,
  train,
  type TrainOptions,
} from "../train/mod.ts";

function flipped(n: number): TrainOptions["train"] {
  const base = quadrants(n);
  const b = base.batch(Array.from({ length: n }, (_, i) => i));
  return arrayDataset(b.x, b.labels, [8, 8, 3], 4, { flip: true });
}

const bits = (model: Parameters<typeof modelWeights>[0]) =>
  new Map(
    modelWeights(model).map((w) => [w.key, new Uint32Array(w.variable.dataSync().slice().buffer)]),
  );

Deno.test("resuming a stopped run gives bit-identical weights to an uninterrupted run", async () => {
  const common = {
    train: flipped(24),
    validation: quadrants(8, 2),
    epochs: 3,
    batchSize: 8,
    seed: 7,
    optimizer: { type: "adam", lr: 0.01 },
    schedule: { type: "cosine" },
  } as const;
  const straight = await train(tinySpec(), common);

  const dir = await Deno.makeTempDir();
  const first = await train(tinySpec(), {
    ...common,
    callbacks: [
      checkpointing({ dir: `${dir}/checkpoints` }),
      { onEpochEnd: (e, ctx) => e.epoch === 2 && ctx.stop("interrupted") },
    ],
  });
  assert.equal(first.epoch, 2);
  const ckpt = await readCheckpoint(dir);
  assert.equal(ckpt.path, `${dir}/checkpoints/last.safetensors`);
  assert.equal(ckpt.info.epoch, 2);
  assert.equal(ckpt.info.step, 6);
  assert.equal(ckpt.info.spec.name, "tiny");
  assert.equal(ckpt.info.history.length, 2);
  assert.equal(ckpt.optimizer.step, 6);
  assert.deepEqual(
    [...ckpt.optimizer.slots.keys()].sort(),
    [
      "classifier.1/bias/m",
      "classifier.1/bias/v",
      "classifier.1/kernel/m",
      "classifier.1/kernel/v",
      "features.0/bias/m",
      "features.0/bias/v",
      "features.0/kernel/m",
      "features.0/kernel/v",
    ],
  );
  assert.equal(ckpt.info.rng.length, 4);

  const begins: number[] = [];
  const resumed = await train(tinySpec(), {
    ...common,
    resume: dir,
    callbacks: [{ onTrainBegin: (e) => void begins.push(e.startEpoch) }],
  });
  assert.deepEqual(begins, [3]);
  assert.equal(resumed.epoch, 3);
  assert.equal(resumed.step, 9);
  assert.equal(resumed.history.length, 3);
  assert.deepEqual(bits(resumed.model), bits(straight.model));
  assert.equal(resumed.history[2]!.loss, straight.history[2]!.loss);
});

Deno.test("checkpoints are written atomically and keep best and per-epoch files", async () => {
  const dir = await Deno.makeTempDir();
  await train(tinySpec(), {
    train: quadrants(16),
    validation: quadrants(8, 2),
    epochs: 2,
    batchSize: 8,
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    callbacks: [checkpointing({ dir, keepAll: true, monitor: "valAccuracy" })],
  });
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(files, [
    "best.safetensors",
    "epoch-1.safetensors",
    "epoch-2.safetensors",
    "last.safetensors",
  ]);
  const last = await readCheckpoint(`${dir}/last.safetensors`);
  const two = await readCheckpoint(`${dir}/epoch-2.safetensors`);
  assert.deepEqual(last.weights.get("classifier.1/kernel"), two.weights.get("classifier.1/kernel"));
  assert.equal(last.info.optimizer.type, "sgd");
});

Deno.test("resume refuses a checkpoint of another spec or settings, naming them", async () => {
  const dir = await Deno.makeTempDir();
  await train(tinySpec(), {
    train: quadrants(8),
    epochs: 1,
    batchSize: 8,
    callbacks: [checkpointing({ dir })],
  });
  await assert.rejects(
    train(tinySpec().freeze("features"), {
      train: quadrants(8),
      epochs: 2,
      batchSize: 4,
      resume: dir,
    }),
    (e: unknown) => {
      const m = String(e);
      assert.match(
        m,
        /^TrainError: Cannot resume: .*last\.safetensors was written for another spec/,
      );
      assert.match(m, /used batch size 8, this run 4/);
      return true;
    },
  );
  await assert.rejects(
    train(tinySpec(), { train: quadrants(8), epochs: 2, resume: `${dir}/nothing-here` }),
    /Cannot resume: .*nothing-here is not a checkpoint/,
  );
});

Deno.test("evaluate reports loss, top-1, top-5, per-class accuracy and the confusion matrix", () => {
  // logits = input: a 6-way identity classifier.
  const spec = sequential("id", [1, 1, 6], { classifier: [flatten(), dense(6)] });
  const model = build(spec, { seed: 0 });
  const [kernel, bias] = modelWeights(model);
  kernel!.variable.assign(tf.eye(6));
  bias!.variable.assign(tf.zeros([6]));
  const rows = [
    [9, 0, 0, 0, 0, 0], // label 0 -> 0
    [0, 9, 0, 0, 0, 0], // label 1 -> 1
    [0, 9, 1, 0, 0, 0], // label 2 -> 1 (2 second)
    [0, 0, 0, 0, 0, 9], // label 3 -> 5 (3 is among the lowest: tie)
    [6, 5, 4, 3, 2, 1], // label 5 -> 0, label is 6th: not in top 5
  ];
  const labels = new Int32Array([0, 1, 2, 3, 5]);
  const ds = arrayDataset(new Float32Array(rows.flat()), labels, [1, 1, 6], 6);
  const before = tf.memory().numTensors;
  const r = evaluate(model, ds, { batchSize: 2 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.count, 5);
  assert.equal(r.top1, 2 / 5);
  assert.equal(r.top5, 4 / 5);
  assert.deepEqual(r.perClass, [1, 1, 0, 0, NaN, 0]);
  assert.deepEqual(r.confusion[2], [0, 1, 0, 0, 0, 0]);
  assert.deepEqual(r.confusion[5], [1, 0, 0, 0, 0, 0]);
  const logSoftmax = (row: number[], i: number) =>
    row[i]! - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const want = -rows.reduce((s, row, i) => s + logSoftmax(row, labels[i]!), 0) / 5;
  assert.ok(Math.abs(r.loss - want) < 1e-5, `${r.loss} vs ${want}`);
});
