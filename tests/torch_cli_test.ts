import assert from "node:assert/strict";
import { join } from "node:path";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { exportTfjs, loadWeights, readCheckpoint } from "../weights/mod.ts";
import { fromJSON } from "../dsl/mod.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { cli, TINY, writeConfig } from "./_cli.ts";
import { torchTest } from "./_torch_fixtures.ts";

await useBackend("cpu", { quiet: true });

// 5 × 16 training images, 16 held out for validation: 64 trained, batch 16, 4 steps per epoch.
const data = await writeArchive(cifarMembers(16, 8));
const config = await writeConfig(
  TINY.replace("  validation: 10\n", "  validation: 16\n").replace("batchSize: 4", "batchSize: 16"),
);

async function run(out: string, ...extra: string[]) {
  return await cli(["--config", config, "--data", data, "--out", out, "--seed", "5", ...extra]);
}

async function lastWeights(out: string): Promise<Map<string, Float32Array>> {
  const ckpt = await readCheckpoint(out);
  return new Map([...ckpt.weights].map(([k, t]) => [k, t.data]));
}

function assertSameWeights(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, v] of a) {
    const w = b.get(k)!;
    let diff = 0;
    for (let i = 0; i < v.length; i++) diff = Math.max(diff, Math.abs(v[i]! - w[i]!));
    assert.ok(diff <= 1e-6, `${k} differs by ${diff}`);
  }
}

const dir = await Deno.makeTempDir({ prefix: "graft-torch-cli-" });

Deno.test(
  torchTest(
    "a torch run writes the run folder; Graft loads, evaluates and exports its checkpoint",
    async () => {
      const out = join(dir, "plain");
      const r = await run(out, "--engine", "torch", "--json");
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /Engine torch: 1 process\(es\) on cpu/);
      assert.equal(r.out.trim().split("\n").length, 3, "one JSON line per epoch");
      for (
        const f of ["config.yaml", "spec.json", "metrics.jsonl", "evaluation.json", "run.json"]
      ) {
        await Deno.stat(join(out, f));
      }
      const spec = fromJSON(await Deno.readTextFile(join(out, "spec.json")));
      const model = build(spec, { seed: 99 });
      const report = await loadWeights(model, spec, out);
      assert.equal(report.format, "graft");
      await exportTfjs(model, join(out, "tfjs"));
      await Deno.stat(join(out, "tfjs", "model.json"));
      const ckpt = await readCheckpoint(out);
      assert.equal(ckpt.training?.state.epoch, 3);
      await assert.rejects(
        Deno.stat(join(out, "torch")),
        Deno.errors.NotFound,
        "work files removed",
      );
    },
  ),
);

Deno.test(
  torchTest(
    "a torch run with --resize 48 trains, validates and tests on 48×48 images",
    async () => {
      const resized = await writeConfig(
        TINY.replace("inputShape: [32, 32, 3]", "inputShape: [48, 48, 3]")
          .replace("  validation: 10\n", "  validation: 16\n  resize: 48\n")
          .replace("batchSize: 4", "batchSize: 16"),
      );
      const out = join(dir, "resized");
      const r = await cli([
        "--config",
        resized,
        "--data",
        data,
        "--out",
        out,
        "--epochs",
        "1",
        "--engine",
        "torch",
      ]);
      assert.equal(r.code, 0, r.err);
      const spec = fromJSON(await Deno.readTextFile(join(out, "spec.json")));
      assert.deepEqual(spec.inputShape, [48, 48, 3]);
      const metrics = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n");
      assert.equal(metrics.length, 1);
      assert.ok(Number.isFinite(JSON.parse(metrics[0]!).valLoss), "validated on resized images");
      const evaluation = JSON.parse(await Deno.readTextFile(join(out, "evaluation.json")));
      assert.equal(evaluation.count, 8, "the test set, evaluated by Graft at 48×48");
    },
  ),
);

Deno.test(
  torchTest(
    "--resume continues a torch run to the same weights as an uninterrupted one",
    async () => {
      const whole = join(dir, "whole");
      assert.equal((await run(whole, "--engine", "torch")).code, 0);
      const parts = join(dir, "parts");
      assert.equal((await run(parts, "--engine", "torch", "--epochs", "1")).code, 0);
      const resumed = await cli(["--resume", parts, "--engine", "torch", "--epochs", "3"]);
      assert.equal(resumed.code, 0, resumed.err);
      assertSameWeights(await lastWeights(parts), await lastWeights(whole));
    },
  ),
);

Deno.test(
  torchTest(
    "a worker killed mid-epoch: torchrun restarts it, or the run fails and --resume finishes it",
    async () => {
      const two = ["--engine", "torchrun", "--nproc-per-node", "2"];
      const whole = join(dir, "ddp-whole");
      const w = await run(whole, ...two);
      assert.equal(w.code, 0, w.err);
      Deno.env.set("GRAFT_TEST_KILL_AT", "1:2:2"); // rank 1, epoch 2, batch 2: SIGKILL
      try {
        const restarted = join(dir, "ddp-restarted");
        const r = await run(restarted, ...two, "--max-restarts", "1");
        assert.equal(r.code, 0, r.err);
        assertSameWeights(await lastWeights(restarted), await lastWeights(whole));

        const failed = join(dir, "ddp-failed");
        const f = await run(failed, ...two);
        assert.equal(f.code, 1);
        assert.match(f.err, /The torch engine failed: torchrun ended with exit code 1/);
        assert.match(f.err, /continue with --resume/);
      } finally {
        Deno.env.delete("GRAFT_TEST_KILL_AT");
      }
      const failed = join(dir, "ddp-failed");
      const resumed = await cli(["--resume", failed, ...two]);
      assert.equal(resumed.code, 0, resumed.err);
      assertSameWeights(await lastWeights(failed), await lastWeights(whole));
    },
  ),
);

Deno.test("engine flags are checked: torchrun flags need --engine torchrun", async () => {
  const r = await run(join(dir, "bad"), "--nproc-per-node", "2");
  assert.equal(r.code, 2);
  assert.match(r.err, /--nproc-per-node: needs --engine torchrun, received --engine tfjs/);
  const e = await run(join(dir, "bad"), "--engine", "jax");
  assert.equal(e.code, 2);
  assert.match(e.err, /--engine: expected tfjs, torch or torchrun, received "jax"/);
});
