// `deno task cifar10 --backend webgpu` end to end on the software adapter (llvmpipe): a few
// steps, an evaluation, checkpoints and a resume. TensorFlow.js's WebGPU backend cannot read
// synchronously under Deno (it would need a 2D canvas), so any synchronous read on these paths
// fails this test.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { cli } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { missing } from "./_requires.ts";
import { readCheckpoint } from "../weights/mod.ts";
import type { TrainState } from "../train/mod.ts";

const TINY = `name: tiny_gpu
model:
  base: custom
  inputShape: [32, 32, 3]
  layers:
    features:
      - avgPool2d: { poolSize: 4 }
      - conv2d: { filters: 4, kernelSize: 3, padding: 1 }
      - batchNorm
      - relu
      - maxPool2d: { poolSize: 2 }
    classifier:
      - flatten
      - dense: { units: 10 }
train:
  batchSize: 4
  optimizer: { type: sgd, lr: 0.02, momentum: 0.9 }
  earlyStopping: { monitor: valLoss, patience: 3 }
backend: webgpu
`;

Deno.test({
  name: "deno task cifar10 --backend webgpu trains, evaluates, checkpoints and resumes",
  ignore: await missing("webgpu"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const data = await writeArchive(cifarMembers(4, 6));
    const dir = await Deno.makeTempDir({ prefix: "graft-cli-gpu-" });
    await Deno.writeTextFile(`${dir}/config.yaml`, TINY);
    const out = `${dir}/run`;
    const flags = ["--data", data, "--validation", "6", "--limit-train", "12", "--limit-test", "6"];
    const first = await cli([
      "--config",
      `${dir}/config.yaml`,
      "--backend",
      "webgpu",
      "--out",
      out,
      "--epochs",
      "1",
      "--json",
      ...flags,
    ]);
    assert.equal(first.code, 0, first.err);
    assert.equal(tf.getBackend(), "webgpu");
    const [epoch1] = first.out.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(epoch1.step, 3);
    assert.ok(Number.isFinite(epoch1.loss) && Number.isFinite(epoch1.valLoss));
    const evaluation = JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`));
    assert.equal(evaluation.count, 6);
    const ckpt = await readCheckpoint(out);
    assert.equal((ckpt.training!.state as unknown as TrainState).epoch, 1);

    const second = await cli(["--resume", out, "--epochs", "2", "--json"]);
    assert.equal(second.code, 0, second.err);
    assert.match(second.err, /Training epochs 2-2: .* resumed from/);
    const more = second.out.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(more.map((m) => [m.epoch, m.step]), [[2, 6]]);
    const state = (await readCheckpoint(out)).training!.state as unknown as TrainState;
    assert.equal(state.epoch, 2);
    assert.deepEqual(Object.keys(state.callbacks), ["earlyStopping", "checkpointing"]);
    await Deno.remove(dir, { recursive: true });
  },
});
