import assert from "node:assert/strict";
import { join } from "node:path";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { exportTfjs, loadWeights, readCheckpoint } from "../weights/mod.ts";
import { fromJSON } from "../dsl/mod.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { cli, TINY, writeConfig } from "./_cli.ts";
import { torchTest } from "./_torch_fixtures.ts";
import { pythonPath } from "../engines/torch/_python.ts";

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

      // Exported, the folder keeps the resize and trains on its own.
      const exported = join(dir, "resized-export");
      const e = await cli(["export", out, "--format", "torch", "--out", exported, "--data", data]);
      assert.equal(e.code, 0, e.err);
      const job = JSON.parse(await Deno.readTextFile(join(exported, "job.json")));
      assert.deepEqual(job.data.resize, [48, 48]);
      const trained = await new Deno.Command(pythonPath(), {
        args: ["graft_torch/train.py", "job.json"],
        cwd: exported,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(trained.code, 0, new TextDecoder().decode(trained.stderr));
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

/** A free TCP port on 127.0.0.1 for a rendezvous. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test(
  torchTest(
    "two torchrun machines on loopback: node 0 keeps the run folder, node 1 writes nothing and says where it is; --resume on node 0 continues both",
    async () => {
      const nodes = (port: number, rank: number) => [
        "--engine",
        "torchrun",
        "--nproc-per-node",
        "1",
        "--nnodes",
        "2",
        "--node-rank",
        String(rank),
        "--rdzv-endpoint",
        `127.0.0.1:${port}`,
      ];
      const one = join(dir, "nodes-one");
      const w = await run(one, "--engine", "torchrun", "--nproc-per-node", "2");
      assert.equal(w.code, 0, w.err);

      const node0 = join(dir, "nodes-0"), node1 = join(dir, "nodes-1");
      let port = freePort();
      const [a, b] = await Promise.all([
        run(node0, ...nodes(port, 0)),
        run(node1, ...nodes(port, 1)),
      ]);
      assert.equal(a.code, 0, a.err);
      assert.equal(b.code, 0, b.err);
      assert.match(a.err, /Engine torch: 2 process\(es\) on cpu under torchrun/);
      await Deno.stat(join(node0, "evaluation.json"));
      assert.match(
        b.err,
        /Node 1: this machine's processes finished; the run folder, its checkpoints and the evaluation are on node 0, in its --out/,
      );
      assert.doesNotMatch(b.err, /Test: accuracy/, "node 1 evaluates nothing");
      await assert.rejects(Deno.stat(node1), Deno.errors.NotFound, "node 1 writes no run folder");
      assertSameWeights(await lastWeights(node0), await lastWeights(one));

      // Stopped after epoch 1, continued: node 0 resumes its run folder, node 1 runs its first
      // command again (it has no copy of the run folder: node 0's engine sends the checkpoint).
      const parts = join(dir, "nodes-parts");
      port = freePort();
      const first = await Promise.all([
        run(parts, ...nodes(port, 0), "--epochs", "1"),
        run(node1, ...nodes(port, 1), "--epochs", "1"),
      ]);
      assert.deepEqual(first.map((r) => r.code), [0, 0], first[0].err + first[1].err);
      port = freePort();
      const [r0, r1] = await Promise.all([
        cli(["--resume", parts, ...nodes(port, 0), "--epochs", "3"]),
        run(node1, ...nodes(port, 1), "--epochs", "3"),
      ]);
      assert.equal(r0.code, 0, r0.err);
      assert.equal(r1.code, 0, r1.err);
      await assert.rejects(Deno.stat(node1), Deno.errors.NotFound);
      assertSameWeights(await lastWeights(parts), await lastWeights(one));

      // Machines given different settings are refused before training.
      port = freePort();
      const [d0, d1] = await Promise.all([
        run(join(dir, "nodes-differ"), ...nodes(port, 0)),
        run(node1, ...nodes(port, 1), "--lr", "0.5"),
      ]);
      assert.equal(d0.code, 2, d0.err);
      assert.match(d0.err, /the machines were given different jobs/);
      assert.equal(d1.code, 1, d1.err);
      assert.match(d1.err, /last log line: \[default0\]:Cannot train: the machines were given/);
    },
  ),
);

Deno.test(
  torchTest(
    "offline, the seed recipe (ImageNet weights, frozen features) says the same one line with --engine torch as with tfjs",
    async () => {
      const cache = await Deno.makeTempDir({ prefix: "graft-cache-" });
      const before = Deno.env.get("GRAFT_CACHE");
      Deno.env.set("GRAFT_CACHE", cache);
      try {
        const said = [];
        for (const engine of ["tfjs", "torch"]) {
          const out = join(cache, `run-${engine}`);
          // The tests run without network permission: the download fails as it would offline.
          const r = await cli([
            "--data",
            data,
            "--out",
            out,
            "--backend",
            "cpu",
            "--engine",
            engine,
          ]);
          assert.equal(r.code, 2, r.err);
          await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
          said.push(r.err.split("\n").filter((l) => l.startsWith("Cannot")));
        }
        assert.equal(said[0]!.length, 1, said[0]!.join("\n"));
        assert.match(said[0]![0]!, /^Cannot find pretrained weights: vgg16\.tv_in1k\.safetensors/);
        assert.deepEqual(said[1], said[0]);
      } finally {
        if (before === undefined) Deno.env.delete("GRAFT_CACHE");
        else Deno.env.set("GRAFT_CACHE", before);
      }
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
  const nodes = await run(join(dir, "bad"), "--engine", "torchrun", "--nnodes", "2");
  assert.equal(nodes.code, 2);
  assert.match(
    nodes.err,
    /--nnodes 2: needs --node-rank \(0 on the machine that keeps the run folder/,
  );
  const rank = await run(
    join(dir, "bad"),
    "--engine",
    "torchrun",
    "--nnodes",
    "2",
    "--node-rank",
    "2",
  );
  assert.equal(rank.code, 2);
  assert.match(rank.err, /--node-rank: expected an integer below --nnodes \(2\), received 2/);
});
