import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { fit, quadrants, tinySpec } from "./_train_fixtures.ts";
import {
  type BatchEndEvent,
  type Callback,
  earlyStopping,
  type EpochEndEvent,
  modelWeights,
  type OptimizerConfig,
  TrainError,
} from "../train/mod.ts";
import { build } from "../compile/mod.ts";

const sgd = { type: "sgd", lr: 0.05, momentum: 0.9 } as const;

Deno.test("training learns the generated data: loss falls and validation accuracy rises", async () => {
  const result = await fit(tinySpec(), {
    train: quadrants(64),
    validation: quadrants(32, 2),
    epochs: 3,
    batchSize: 8,
    optimizer: sgd,
  });
  const [first, , last] = result.history;
  assert.ok(last!.loss < first!.loss / 2, `${first!.loss} -> ${last!.loss}`);
  assert.ok(result.evaluation!.top1 >= 0.9, `top-1 ${result.evaluation!.top1}`);
  assert.equal(result.epoch, 3);
  assert.equal(result.step, 24);
  assert.equal(result.stopped, false);
});

Deno.test("frozen weights do not change by a single bit while the rest train", async () => {
  const spec = tinySpec().freeze("features");
  const model = build(spec, { seed: 3 });
  const weights = modelWeights(model);
  const before = new Map(
    weights.map((w) => [w.key, new Uint32Array(w.variable.dataSync().slice().buffer)]),
  );
  assert.deepEqual(
    weights.filter((w) => w.trainable).map((w) => w.key),
    ["classifier.1/kernel", "classifier.1/bias"],
  );
  await fit(spec, { model, train: quadrants(32), epochs: 2, batchSize: 8, optimizer: sgd });
  for (const w of weights) {
    const now = new Uint32Array(w.variable.dataSync().slice().buffer);
    if (w.group === "features") assert.deepEqual(now, before.get(w.key), `${w.key} changed`);
    else assert.notDeepEqual(now, before.get(w.key), `${w.key} did not train`);
  }
});

Deno.test("callbacks receive typed payloads in order, for every batch and epoch", async () => {
  const calls: string[] = [];
  const batches: BatchEndEvent[] = [];
  const epochs: EpochEndEvent[] = [];
  const recorder: Callback = {
    onTrainBegin: (e) => {
      calls.push("trainBegin");
      assert.equal(e.startEpoch, 1);
      assert.equal(e.stepsPerEpoch, 3);
      assert.equal(e.totalSteps, 6);
      assert.equal(e.trainSize, 20);
      assert.equal(e.validationSize, 8);
      assert.equal(e.trainableParams, 4 * 27 + 4 + 64 * 4 + 4);
      assert.equal(e.frozenParams, 0);
      assert.deepEqual(e.lr, { features: 0.001, classifier: 0.01 });
    },
    onEpochBegin: (e) => calls.push(`epochBegin ${e.epoch} step ${e.step}`),
    onBatchEnd: (e) => {
      calls.push(`batch ${e.epoch}.${e.batch}`);
      batches.push(e);
    },
    onEpochEnd: (e) => {
      calls.push(`epochEnd ${e.epoch}`);
      epochs.push(e);
    },
    onTrainEnd: (e) => {
      calls.push("trainEnd");
      assert.equal(e.history.length, 2);
      assert.equal(e.stopped, false);
      assert.ok(e.elapsedMs > 0);
    },
  };
  await fit(tinySpec(), {
    train: quadrants(20),
    validation: quadrants(8, 2),
    epochs: 2,
    batchSize: 8,
    optimizer: { type: "sgd", lr: { features: 0.001, classifier: 0.01 } },
    callbacks: [recorder],
  });
  assert.deepEqual(calls, [
    "trainBegin",
    "epochBegin 1 step 0",
    "batch 1.1",
    "batch 1.2",
    "batch 1.3",
    "epochEnd 1",
    "epochBegin 2 step 3",
    "batch 2.1",
    "batch 2.2",
    "batch 2.3",
    "epochEnd 2",
    "trainEnd",
  ]);
  assert.deepEqual(batches.map((b) => b.size), [8, 8, 4, 8, 8, 4]);
  assert.deepEqual(batches.map((b) => b.step), [1, 2, 3, 4, 5, 6]);
  for (const b of batches) {
    assert.ok(Number.isFinite(b.loss) && b.loss > 0);
    assert.ok(b.accuracy >= 0 && b.accuracy <= 1);
    assert.ok(b.imagesPerSecond > 0 && b.elapsedMs > 0);
    assert.deepEqual(b.lr, { features: 0.001, classifier: 0.01 });
    assert.equal(b.batches, 3);
  }
  const e = epochs[1]!;
  assert.equal(e.step, 6);
  assert.ok(e.valLoss! > 0 && e.valAccuracy! >= 0 && e.valTop5 === 1); // 4 classes: top-5 is all
  const mean = batches.slice(3).reduce((s, b) => s + b.loss * b.size, 0) / 20;
  assert.ok(Math.abs(e.loss - mean) < 1e-6);
  assert.ok(e.totalElapsedMs >= e.elapsedMs);
});

Deno.test("a callback can stop training after the current batch", async () => {
  const result = await fit(tinySpec(), {
    train: quadrants(32),
    epochs: 5,
    batchSize: 8,
    optimizer: sgd,
    callbacks: [{ onEpochEnd: (e, ctx) => e.epoch === 2 && ctx.stop("enough") }],
  });
  assert.equal(result.epoch, 2);
  assert.equal(result.stopped, true);
  assert.equal(result.reason, "enough");
  assert.equal(result.history.length, 2);
});

Deno.test("early stopping stops on a plateau and restores the best weights", async () => {
  // lr 0 after epoch 1 keeps val loss flat: no improvement, stop after `patience` epochs.
  let bestWeights: Map<string, Float32Array> | undefined;
  const es = earlyStopping({ monitor: "valLoss", patience: 2 });
  const spoil: Callback = {
    onEpochEnd: async (e, ctx) => {
      if (e.epoch === 1) {
        bestWeights = await ctx.getWeights();
        // Make later epochs worse: scale the classifier kernel.
        const w = await ctx.getWeights();
        const k = w.get("classifier.1/kernel")!.map((v) => v * -3);
        ctx.setWeights(new Map([["classifier.1/kernel", k]]));
      }
    },
  };
  const result = await fit(tinySpec(), {
    train: quadrants(32),
    validation: quadrants(16, 2),
    epochs: 10,
    batchSize: 8,
    optimizer: { type: "sgd", lr: 1e-6 },
    callbacks: [es, spoil],
  });
  assert.equal(es.bestEpoch, 1);
  assert.equal(result.epoch, 3);
  assert.match(result.reason!, /^early stopping: valLoss did not improve for 2 epochs/);
  const now = new Map(modelWeights(result.model).map((w) => [w.key, w.variable.dataSync()]));
  for (const [k, v] of bestWeights!) assert.deepEqual(now.get(k), v, `${k} not restored`);
  assert.ok(Math.abs(result.evaluation!.loss - result.history[0]!.valLoss!) < 1e-6);
});

Deno.test("no tensors leak: the count is the same after epoch 1 and epoch 3", async () => {
  const counts: number[] = [];
  await fit(tinySpec(), {
    train: quadrants(24),
    validation: quadrants(8, 2),
    epochs: 3,
    batchSize: 8,
    optimizer: { type: "adamw", lr: 0.01 },
    callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
  });
  assert.equal(counts.length, 3);
  assert.equal(counts[2], counts[0]);
});

Deno.test("a loss that turns NaN stops with the epoch, step and last good checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const { checkpointing } = await import("../train/mod.ts");
  const poison: Callback = {
    onEpochEnd: async (e, ctx) => {
      if (e.epoch !== 1) return;
      const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map(() => NaN);
      ctx.setWeights(new Map([["classifier.1/kernel", k]]));
    },
  };
  await assert.rejects(
    fit(tinySpec(), {
      train: quadrants(16),
      epochs: 3,
      batchSize: 8,
      optimizer: sgd,
      callbacks: [checkpointing({ dir }), poison],
    }),
    (e: unknown) => {
      assert.ok(e instanceof TrainError);
      assert.equal(
        e.message,
        `Training stopped: the loss is NaN at epoch 2, step 3 (batch 1 of 2); the last good checkpoint is ${dir}/last.safetensors`,
      );
      return true;
    },
  );
});

Deno.test("an empty validation set is refused before training, not scored NaN after it", async () => {
  await assert.rejects(
    fit(tinySpec(), { train: quadrants(8), validation: quadrants(0), epochs: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof TrainError);
      assert.deepEqual(e.details, [
        "validation has no images (leave validation out to train without one)",
      ]);
      return true;
    },
  );
});

Deno.test("bad options are all reported in one error", async () => {
  await assert.rejects(
    fit(tinySpec(), {
      train: quadrants(8),
      epochs: 0,
      batchSize: 2.5,
      labelSmoothing: 1.5,
      optimizer: { type: "sgd", lr: { features: 0.1, clasifier: 0.1 }, nesterov: true },
      schedule: { type: "oneCycle", pctStart: 2 },
    }),
    (e: unknown) => {
      assert.ok(e instanceof TrainError);
      assert.deepEqual(e.details, [
        "epochs must be an integer >= 1, got 0",
        "batchSize must be an integer >= 1, got 2.5",
        "labelSmoothing must be in [0, 1), got 1.5",
        "optimizer.nesterov: needs a momentum above 0 and zero dampening, got true",
        "schedule.pctStart: too big: expected number to be <1, got 2",
        'lr names group "clasifier", which the model does not have (groups: features, classifier)',
        'lr has no rate for trainable group "classifier" (add it or "*")',
      ]);
      return true;
    },
  );
  await assert.rejects(
    fit(tinySpec(), {
      train: quadrants(8),
      epochs: 1,
      optimizer: { type: "adamx", lr: 0.1 } as unknown as OptimizerConfig,
    }),
    (e: unknown) => {
      assert.ok(e instanceof TrainError);
      assert.deepEqual(e.details, [
        'optimizer.type: invalid option: expected one of "sgd"|"adam"|"adamw", got adamx',
      ]);
      return true;
    },
  );
  await assert.rejects(
    fit(tinySpec().freeze("features").freeze("classifier"), { train: quadrants(8), epochs: 1 }),
    /Cannot train: the model has no trainable weights/,
  );
});
