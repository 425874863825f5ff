import assert from "node:assert/strict";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { cifarDataset, CifarSplit, Rng } from "../data/mod.ts";
import {
  avgPool2d,
  batchNorm,
  conv2d,
  dense,
  flatten,
  maxPool2d,
  relu,
  sequential,
  type Spec,
} from "../dsl/mod.ts";
import { type Callback, type OptimizerConfig, type Schedule, train } from "../train/mod.ts";
import { readWeights } from "../weights/read_weights.ts";
import { collectWeights } from "../weights/checkpoint.ts";
import { trainTorch } from "../engines/torch/mod.ts";
import { quadrants } from "./_train_fixtures.ts";
import { relativeError, torchTest } from "./_torch_fixtures.ts";
import { pythonPath } from "../engines/torch/_python.ts";

await useBackend("cpu", { quiet: true });

function small(bn: boolean): Spec {
  return sequential("small", [8, 8, 3], {
    features: bn
      ? [conv2d(4, 3, { padding: 1 }), batchNorm(), relu(), maxPool2d(2)]
      : [conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
    classifier: [flatten(), dense(8), relu(), dense(4)],
  });
}

interface Case {
  readonly name: string;
  readonly spec: Spec;
  readonly optimizer: OptimizerConfig;
  readonly schedule?: Schedule;
  readonly labelSmoothing?: number;
}

const cases: Case[] = [
  {
    name: "SGD with momentum, Nesterov and weight decay",
    spec: small(false),
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  },
  {
    name: "AdamW with a one-cycle schedule and per-group rates",
    spec: small(false),
    optimizer: { type: "adamw", lr: { features: 0.01, classifier: 0.02 }, weightDecay: 0.05 },
    schedule: { type: "oneCycle", pctStart: 0.4 },
  },
  {
    name: "label smoothing 0.1 (SGD with momentum)",
    spec: small(false),
    optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    labelSmoothing: 0.1,
  },
  {
    name: "frozen features holding BatchNorm (Adam)",
    spec: small(true).freeze("features"),
    optimizer: { type: "adam", lr: 0.01 },
  },
];

for (const c of cases) {
  Deno.test(
    torchTest(`5 steps give Graft's losses in the torch engine: ${c.name}`, async () => {
      const data = quadrants(40, 5);
      const model = build(c.spec, { seed: 11 });
      const initialWeights = await collectWeights(model, c.spec);
      const settings = {
        epochs: 1,
        batchSize: 8,
        seed: 4,
        augment: false,
        optimizer: c.optimizer,
        ...(c.schedule ? { schedule: c.schedule } : {}),
        ...(c.labelSmoothing ? { labelSmoothing: c.labelSmoothing } : {}),
      };
      const graftLosses: number[] = [];
      await train(model, c.spec, {
        ...settings,
        train: data,
        callbacks: [{ onBatchEnd: (e) => void graftLosses.push(e.loss) }],
      });
      const work = await Deno.makeTempDir({ prefix: "graft_torch_parity_" });
      const torch = await trainTorch(c.spec, {
        ...settings,
        train: data,
        initialWeights,
        workDir: work,
        device: "cpu",
        log: () => {},
      });
      assert.equal(torch.losses.length, 5);
      assert.equal(graftLosses.length, 5);
      for (let i = 0; i < 5; i++) {
        const rel = Math.abs(torch.losses[i]! - graftLosses[i]!) / Math.abs(graftLosses[i]!);
        assert.ok(rel <= 1e-3, `step ${i + 1}: torch ${torch.losses[i]}, Graft ${graftLosses[i]}`);
      }
      assert.notEqual(graftLosses[4], graftLosses[0], "the losses move");
    }),
  );
}

Deno.test(
  torchTest("5 steps with data.resize 48 give Graft's losses in the torch engine", async () => {
    const rng = new Rng(9);
    const n = 40;
    const split = new CifarSplit("train", {
      labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
      pixels: Uint8Array.from({ length: n * 3072 }, () => rng.int(256)),
    });
    const spec = sequential("resized", [48, 48, 3], {
      features: [avgPool2d(4), conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
      classifier: [flatten(), dense(10)],
    });
    const model = build(spec, { seed: 11 });
    const initialWeights = await collectWeights(model, spec);
    const settings = {
      epochs: 1,
      batchSize: 8,
      seed: 4,
      augment: false,
      optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
    } as const;
    const graftLosses: number[] = [];
    await train(model, spec, {
      ...settings,
      train: cifarDataset(split, { resize: 48 }),
      callbacks: [{ onBatchEnd: (e) => void graftLosses.push(e.loss) }],
    });
    const work = await Deno.makeTempDir({ prefix: "graft_torch_resize_" });
    const torch = await trainTorch(spec, {
      ...settings,
      train: split,
      resize: 48,
      initialWeights,
      workDir: work,
      device: "cpu",
      log: () => {},
    });
    assert.equal(torch.losses.length, 5);
    assert.equal(graftLosses.length, 5);
    for (let i = 0; i < 5; i++) {
      const rel = Math.abs(torch.losses[i]! - graftLosses[i]!) / Math.abs(graftLosses[i]!);
      assert.ok(rel <= 1e-3, `step ${i + 1}: torch ${torch.losses[i]}, Graft ${graftLosses[i]}`);
    }
    assert.notEqual(graftLosses[4], graftLosses[0], "the losses move");
  }),
);

Deno.test(
  torchTest(
    "ctx.stop() in onBatchEnd ends training right after that batch in both engines",
    async () => {
      const spec = small(false);
      const data = quadrants(40, 5);
      const model = build(spec, { seed: 11 });
      const initialWeights = await collectWeights(model, spec);
      const settings = {
        epochs: 2,
        batchSize: 8,
        seed: 4,
        augment: false,
        optimizer: { type: "sgd", lr: 0.05, momentum: 0.9 },
      } as const;
      const stopAt3 = (losses: number[]): Callback => ({
        onBatchEnd(e, ctx) {
          losses.push(e.loss);
          if (e.batch === 3) ctx.stop("enough after batch 3");
        },
      });
      const graftLosses: number[] = [];
      const graft = await train(model, spec, {
        ...settings,
        train: data,
        callbacks: [stopAt3(graftLosses)],
      });
      const work = await Deno.makeTempDir({ prefix: "graft_torch_stop_" });
      const torchLosses: number[] = [];
      const torch = await trainTorch(spec, {
        ...settings,
        train: data,
        initialWeights,
        workDir: work,
        finalWeights: `${work}.safetensors`, // outside workDir, which trainTorch removes
        device: "cpu",
        callbacks: [stopAt3(torchLosses)],
        log: () => {},
      });
      assert.deepEqual([graft.step, graft.epoch, graft.stopped], [3, 0, true]);
      assert.deepEqual([torch.step, torch.epoch, torch.stopped], [3, 0, true]);
      assert.equal(torch.reason, "enough after batch 3");
      assert.equal(torch.losses.length, 3, "the engine trained no fourth batch");
      assert.equal(torchLosses.length, 3);
      for (let i = 0; i < 3; i++) {
        const rel = Math.abs(torch.losses[i]! - graftLosses[i]!) / Math.abs(graftLosses[i]!);
        assert.ok(rel <= 1e-3, `step ${i + 1}: torch ${torch.losses[i]}, Graft ${graftLosses[i]}`);
      }
      const final = `${work}.safetensors`;
      const { weights } = await readWeights(final, spec);
      await Deno.remove(final);
      for (const [key, t] of await collectWeights(graft.model, spec)) {
        const rel = relativeError(weights.get(key)!.data, t.data);
        assert.ok(rel <= 1e-4, `${key}: relative error ${rel} after 3 steps`);
      }
    },
  ),
);

Deno.test(
  torchTest(
    "a callback that throws stops the engine with it: no process is left waiting",
    async () => {
      const spec = small(false);
      const work = await Deno.makeTempDir({ prefix: "graft_torch_throw_" });
      await assert.rejects(
        trainTorch(spec, {
          train: quadrants(40, 5),
          epochs: 3,
          batchSize: 8,
          augment: false,
          workDir: work,
          device: "cpu",
          callbacks: [{
            onBatchEnd(e) {
              if (e.batch === 2) throw new Error("a callback failed");
            },
          }],
          log: () => {},
        }),
        /a callback failed/,
      );
      // Processes whose command line names the work folder (Python reads /proc: the tests may not).
      const ps = await new Deno.Command(pythonPath(), {
        args: [
          "-c",
          "import os, sys\nfor p in filter(str.isdigit, os.listdir('/proc')):\n" +
          "    if p == str(os.getpid()): continue\n" +
          "    try: c = open(f'/proc/{p}/cmdline').read()\n    except OSError: continue\n" +
          "    if sys.argv[1] in c: print(p, c.replace(chr(0), ' '))",
          work,
        ],
      }).output();
      assert.ok(ps.success, new TextDecoder().decode(ps.stderr));
      const left = new TextDecoder().decode(ps.stdout).trim().split("\n").filter((l) => l);
      assert.deepEqual(left, [], "the engine's processes ended");
    },
  ),
);
