import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { fit, quadrants, tinySpec } from "./_train_fixtures.ts";
import { arrayDataset } from "../data/mod.ts";
import { dense, flatten, sequential } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";
import { TrainError } from "../train/mod.ts";
import {
  type Callback,
  checkpointing,
  earlyStopping,
  evaluate,
  modelWeights,
  type TrainOptions,
  type TrainState,
} from "../train/mod.ts";
import { readCheckpoint } from "../weights/mod.ts";

const stateOf = (c: Awaited<ReturnType<typeof readCheckpoint>>) =>
  c.training!.state as unknown as TrainState;

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
  const straight = await fit(tinySpec(), common);

  const dir = await Deno.makeTempDir();
  const first = await fit(tinySpec(), {
    ...common,
    callbacks: [
      checkpointing({ dir: `${dir}/checkpoints` }),
      { onEpochEnd: (e, ctx) => e.epoch === 2 && ctx.stop("interrupted") },
    ],
  });
  assert.equal(first.epoch, 2);
  const ckpt = await readCheckpoint(dir);
  assert.equal(ckpt.path, `${dir}/checkpoints/last.safetensors`);
  const state = stateOf(ckpt);
  assert.equal(state.epoch, 2);
  assert.equal(state.step, 6);
  assert.equal(ckpt.spec.name, "tiny");
  assert.equal(state.history.length, 2);
  assert.equal(state.optimizerStep, 6);
  assert.deepEqual(
    [...ckpt.training!.optimizer.keys()].sort(),
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
  assert.equal(state.rng.length, 4);

  const begins: number[] = [];
  const resumed = await fit(tinySpec(), {
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
  await fit(tinySpec(), {
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
  assert.deepEqual(
    last.weights.get("classifier.1/kernel")!.data,
    two.weights.get("classifier.1/kernel")!.data,
  );
  assert.equal(stateOf(last).settings.optimizer.type, "sgd");
});

Deno.test("best, last and epoch-N of one epoch are one file; a later worse epoch leaves best on the older content", async () => {
  const dir = await Deno.makeTempDir();
  const ino = (name: string) => Deno.statSync(`${dir}/${name}.safetensors`).ino;
  let afterOne: (number | null)[] = [];
  // Epoch 2 is made worse on purpose: its weights are spoiled before it trains.
  const spoil: Callback = {
    onEpochBegin: async (e, ctx) => {
      if (e.epoch !== 2) return;
      const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map((v) => v * -3);
      ctx.setWeights(new Map([["classifier.1/kernel", k]]));
    },
  };
  await fit(tinySpec(), {
    train: quadrants(16),
    validation: quadrants(8, 2),
    epochs: 2,
    batchSize: 8,
    seed: 4,
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    callbacks: [
      spoil,
      checkpointing({ dir, keepAll: true, monitor: "valLoss" }),
      {
        onEpochEnd: (e) =>
          void (e.epoch === 1 && (afterOne = ["best", "last", "epoch-1"].map(ino))),
      },
    ],
  });
  assert.ok(afterOne[0] !== null && afterOne[0]! > 0);
  assert.deepEqual(afterOne, [afterOne[0], afterOne[0], afterOne[0]]);
  const best = await readCheckpoint(`${dir}/best.safetensors`);
  const last = await readCheckpoint(`${dir}/last.safetensors`);
  assert.equal(stateOf(best).epoch, 1);
  assert.equal(stateOf(last).epoch, 2);
  assert.equal(ino("best"), afterOne[0]);
  assert.equal(ino("epoch-1"), afterOne[0]);
  assert.equal(ino("epoch-2"), ino("last"));
  assert.notEqual(ino("last"), ino("best"));
  assert.notDeepEqual(
    best.weights.get("classifier.1/kernel")!.data,
    last.weights.get("classifier.1/kernel")!.data,
  );
  assert.deepEqual(stateOf(last).callbacks["checkpointing"], {
    monitor: "valLoss",
    best: stateOf(last).history[0]!.valLoss,
    bestEpoch: 1,
  });
});

Deno.test("with every: 2 a best epoch between writes gets its own best file, and last only the due epochs", async () => {
  const dir = await Deno.makeTempDir();
  const written: string[] = [];
  const spoil: Callback = {
    onEpochBegin: async (e, ctx) => {
      if (e.epoch !== 2) return;
      const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map((v) => v * -3);
      ctx.setWeights(new Map([["classifier.1/kernel", k]]));
    },
  };
  const watch: Callback = {
    onEpochEnd: (e) => void written.push(`${e.epoch}:${[...Deno.readDirSync(dir)].length}`),
  };
  await fit(tinySpec(), {
    train: quadrants(16),
    validation: quadrants(8, 2),
    epochs: 3,
    batchSize: 8,
    seed: 4,
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    callbacks: [spoil, checkpointing({ dir, every: 2, monitor: "valLoss" }), watch],
  });
  // Epoch 1 (best, not due): best only; epoch 2 (due): last too; epoch 3 (the last): last.
  assert.deepEqual(written, ["1:1", "2:2", "3:2"]);
  const best = await readCheckpoint(`${dir}/best.safetensors`);
  const last = await readCheckpoint(`${dir}/last.safetensors`);
  assert.equal(stateOf(best).epoch, 1);
  assert.equal(stateOf(last).epoch, 3);
});

Deno.test("resume refuses a checkpoint of another spec or settings, naming each", async () => {
  const dir = await Deno.makeTempDir();
  await fit(tinySpec(), {
    train: quadrants(8),
    epochs: 2,
    batchSize: 8,
    schedule: { type: "cosine" },
    labelSmoothing: 0.1,
    callbacks: [checkpointing({ dir }), { onEpochEnd: (_e, ctx) => ctx.stop("pause") }],
  });
  const file = `${dir}/last.safetensors`;
  await assert.rejects(
    fit(tinySpec().freeze("features"), {
      train: quadrants(16),
      epochs: 3,
      batchSize: 4,
      seed: 2,
      schedule: { type: "oneCycle" },
      optimizer: { type: "adam", lr: 0.01 },
      resume: dir,
    }),
    (e: unknown) => {
      assert.ok(e instanceof TrainError);
      assert.match(e.details[0]!, /last\.safetensors was written for another spec/);
      assert.deepEqual(e.details.slice(1), [
        `${file}: epochs: the checkpoint's cosine schedule spans 2 epochs, this run asks for 3 ` +
        "(the schedule would be re-planned)",
        `${file}: seed: the checkpoint's run used 0, this run 2`,
        `${file}: batchSize: the checkpoint's run used 8, this run 4`,
        `${file}: trainSize: the checkpoint's run used 8, this run 16`,
        `${file}: optimizer: the checkpoint's run used {"type":"sgd","lr":0.001,"momentum":0.9}, ` +
        `this run {"type":"adam","lr":0.01}`,
        `${file}: schedule: the checkpoint's run used {"type":"cosine"}, this run ` +
        `{"type":"oneCycle"}`,
        `${file}: labelSmoothing: the checkpoint's run used 0.1, this run 0`,
      ]);
      return true;
    },
  );
  await assert.rejects(
    fit(tinySpec(), { train: quadrants(8), epochs: 2, resume: `${dir}/nothing-here` }),
    /Cannot resume: Cannot read checkpoint: .*nothing-here: not a checkpoint file/,
  );
});

Deno.test("evaluate reports loss, top-1, top-5, per-class accuracy and the confusion matrix", async () => {
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
  const r = await evaluate(model, ds, { batchSize: 2 });
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

Deno.test("after a resume the best value so far is kept: best.safetensors and early stopping agree with an uninterrupted run", async () => {
  // Epoch 3 is made worse on purpose, so the best epoch is an earlier one.
  const spoil: Callback = {
    onEpochBegin: async (e, ctx) => {
      if (e.epoch !== 3) return;
      const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map((v) => v * -3);
      ctx.setWeights(new Map([["classifier.1/kernel", k]]));
    },
  };
  const common = {
    train: quadrants(16),
    validation: quadrants(8, 2),
    epochs: 3,
    batchSize: 8,
    seed: 4,
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
  } as const;
  const runs = async (interrupt: boolean) => {
    const dir = await Deno.makeTempDir();
    const es = earlyStopping({ monitor: "valLoss", patience: 5, restoreBestWeights: false });
    const callbacks = () => [spoil, es, checkpointing({ dir, monitor: "valLoss" })];
    if (!interrupt) await fit(tinySpec(), { ...common, callbacks: callbacks() });
    else {
      await fit(tinySpec(), {
        ...common,
        callbacks: [...callbacks(), { onEpochEnd: (e, ctx) => e.epoch === 2 && ctx.stop("kill") }],
      });
      await fit(tinySpec(), { ...common, resume: dir, callbacks: callbacks() });
    }
    return { es, best: await readCheckpoint(`${dir}/best.safetensors`) };
  };
  const straight = await runs(false);
  const resumed = await runs(true);
  const bestEpoch = stateOf(straight.best).epoch;
  assert.ok(bestEpoch < 3, `best epoch ${bestEpoch}`);
  assert.equal(stateOf(resumed.best).epoch, bestEpoch);
  assert.deepEqual(stateOf(resumed.best).callbacks, stateOf(straight.best).callbacks);
  assert.deepEqual(
    resumed.best.weights.get("classifier.1/kernel")!.data,
    straight.best.weights.get("classifier.1/kernel")!.data,
  );
  assert.equal(resumed.es.bestEpoch, straight.es.bestEpoch);
  assert.equal(resumed.es.best, straight.es.best);
});

for (
  const [what, value, message] of [
    ["an infinite weight", Infinity, "classifier.1/kernel holds NaN or infinite values"],
    ["a NaN validation loss", 3e38, "the validation loss is NaN"],
  ] as const
) {
  Deno.test(`${what} stops the run at the epoch's end and no checkpoint is written`, async () => {
    const dir = await Deno.makeTempDir();
    // After the epoch's last step (its loss already read, and finite), spoil the weights.
    const spoil: Callback = {
      onBatchEnd: async (e, ctx) => {
        if (e.step !== 2) return;
        const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map(() => value);
        ctx.setWeights(new Map([["classifier.1/kernel", k]]));
      },
    };
    await assert.rejects(
      fit(tinySpec(), {
        train: quadrants(16),
        validation: quadrants(8, 2),
        epochs: 3,
        batchSize: 8,
        callbacks: [spoil, checkpointing({ dir, monitor: "valLoss" })],
      }),
      (e: unknown) => {
        assert.ok(e instanceof TrainError);
        assert.equal(
          e.message,
          `Training stopped: ${message} after epoch 1, step 2; no checkpoint was written before it`,
        );
        return true;
      },
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
}
