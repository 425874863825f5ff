// Everything a user runs around training works on WebGPU (llvmpipe in CI), where TensorFlow.js
// cannot read synchronously under Deno: train() with each optimizer, schedules, callbacks,
// early stopping and the NaN guard, evaluation, checkpoints written, read and resumed, weights
// loaded and exported. Each runs with every synchronous read made to throw.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { on } from "./_webgpu_env.ts";
import { missing } from "./_requires.ts";
import { withoutSyncReads } from "./_no_sync_reads.ts";
import { fit, quadrants, tinySpec } from "./_train_fixtures.ts";
import { build } from "../compile/mod.ts";
import {
  checkpointing,
  earlyStopping,
  evaluate,
  type OptimizerConfig,
  predict,
  TrainError,
  type TrainResult,
} from "../train/mod.ts";
import { exportTfjs, loadWeights, readCheckpoint } from "../weights/mod.ts";

// One missing() call per test: each counts one skip in the run's summary.
const gpuTest = async (name: string, fn: () => Promise<void>) =>
  Deno.test({
    name,
    ignore: await missing("webgpu"),
    sanitizeResources: false,
    sanitizeOps: false,
    fn,
  });

const OPTIMIZERS: Record<string, OptimizerConfig> = {
  "sgd with Nesterov momentum": { type: "sgd", lr: 0.05, momentum: 0.9, nesterov: true },
  "adam": { type: "adam", lr: 0.01 },
  "adamw": { type: "adamw", lr: 0.01, weightDecay: 0.05 },
};

async function run(backend: "cpu" | "webgpu", optimizer: OptimizerConfig): Promise<TrainResult> {
  await on(backend);
  return await fit(tinySpec(), {
    train: quadrants(32),
    validation: quadrants(16, 2),
    epochs: 2,
    batchSize: 8,
    seed: 3,
    optimizer,
    schedule: { type: "cosine", warmupSteps: 2 },
    labelSmoothing: 0.1,
  });
}

for (const [name, optimizer] of Object.entries(OPTIMIZERS)) {
  await gpuTest(`train() with ${name} runs on webgpu and matches the cpu backend`, async () => {
    const cpu = await run("cpu", optimizer);
    const gpu = await withoutSyncReads(() => run("webgpu", optimizer));
    assert.equal(gpu.step, 8);
    for (const [i, e] of gpu.history.entries()) {
      const want = cpu.history[i]!;
      assert.ok(Math.abs(e.loss - want.loss) < 1e-4, `epoch ${i + 1}: ${e.loss} vs ${want.loss}`);
      assert.ok(Math.abs(e.valLoss! - want.valLoss!) < 1e-4, `${e.valLoss} vs ${want.valLoss}`);
      assert.equal(e.valAccuracy, want.valAccuracy);
    }
    assert.deepEqual(gpu.evaluation!.confusion, cpu.evaluation!.confusion);
    tf.dispose([cpu.model, gpu.model].flatMap((m) => m.weights.map((w) => w.read())));
  });
}

await gpuTest(
  "on webgpu a run checkpoints, resumes, stops early, evaluates, loads and exports",
  async () => {
    await on("webgpu");
    const dir = await Deno.makeTempDir();
    try {
      const common = {
        train: quadrants(32),
        validation: quadrants(16, 2),
        epochs: 3,
        batchSize: 8,
        optimizer: { type: "adam", lr: 0.01 },
      } as const;
      const batches: number[] = [];
      await withoutSyncReads(async () => {
        const first = await fit(tinySpec(), {
          ...common,
          callbacks: [
            earlyStopping({ monitor: "valLoss", patience: 5 }),
            checkpointing({ dir, monitor: "valAccuracy" }),
            { onBatchEnd: (e) => void batches.push(e.step) },
            { onEpochEnd: (e, ctx) => e.epoch === 2 && ctx.stop("pause") },
          ],
        });
        assert.equal(first.epoch, 2);
        const resumed = await fit(tinySpec(), { ...common, resume: dir });
        assert.equal(resumed.epoch, 3);
        assert.equal(resumed.step, 12);
        const ckpt = await readCheckpoint(dir);
        const model = build(ckpt.spec, { seed: 9 });
        await loadWeights(model, ckpt.spec, ckpt.weights);
        const again = await evaluate(model, quadrants(16, 2));
        assert.deepEqual(again.confusion, first.evaluation!.confusion);
        const probs = await predict(model, quadrants(4, 2));
        assert.equal(probs.length, 4);
        for (const p of probs) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        const exported = await exportTfjs(model, `${dir}/web`);
        assert.ok((await Deno.stat(exported.modelJson)).size > 0);
      });
      // Losses are read every 8 steps on webgpu, yet every step's event arrives, in order.
      assert.deepEqual(batches, [1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

await gpuTest(
  "on webgpu the NaN guard names the first bad step though losses are read in groups",
  async () => {
    await on("webgpu");
    const poison = {
      onEpochEnd: async (e: { epoch: number }, ctx: import("../train/mod.ts").TrainContext) => {
        if (e.epoch !== 1) return;
        const k = (await ctx.getWeights()).get("classifier.1/kernel")!.map(() => NaN);
        ctx.setWeights(new Map([["classifier.1/kernel", k]]));
      },
    };
    await withoutSyncReads(() =>
      assert.rejects(
        fit(tinySpec(), {
          train: quadrants(32),
          epochs: 2,
          batchSize: 4,
          readbackEvery: 3,
          callbacks: [poison],
        }),
        (e: unknown) => {
          assert.ok(e instanceof TrainError);
          assert.equal(
            e.message,
            "Training stopped: the loss is NaN at epoch 2, step 9 (batch 1 of 8); no checkpoint " +
              "was written before it",
          );
          return true;
        },
      )
    );
  },
);
