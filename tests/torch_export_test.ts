import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { launchCommand } from "../engines/torch/mod.ts";
import { pythonPath } from "../engines/torch/_python.ts";
import { readCheckpoint } from "../weights/mod.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { cli, TINY, writeConfig } from "./_cli.ts";
import { torchTest } from "./_torch_fixtures.ts";

Deno.test(
  torchTest(
    "export --format torch writes a folder that trains without Deno, with tested launch lines",
    async () => {
      const data = await writeArchive(cifarMembers(8, 8));
      const config = await writeConfig(
        TINY.replace("  validation: 10\n", "  validation: 8\n").replace(
          "batchSize: 4",
          "batchSize: 8",
        ),
      );
      const dir = await Deno.makeTempDir({ prefix: "graft-torch-export-" });
      const run = join(dir, "run");
      const r = await cli(["--config", config, "--data", data, "--out", run, "--engine", "torch"]);
      assert.equal(r.code, 0, r.err);
      const out = join(dir, "export");
      const e = await cli(["export", run, "--format", "torch", "--out", out, "--data", data]);
      assert.equal(e.code, 0, e.err);
      for (const f of ["job.json", "config.yaml", "weights.safetensors", "graft_torch/train.py"]) {
        await Deno.stat(join(out, f));
      }
      const sbatch = await Deno.readTextFile(join(out, "launch", "slurm.sbatch"));
      assert.ok(
        sbatch.includes(`srun ${launchCommand(2, 8, "$head:29400", "$SLURM_JOB_ID")}\n`),
        sbatch,
      );
      const job = parse(await Deno.readTextFile(join(out, "launch", "pytorchjob.yaml")));
      assert.equal(job.kind, "PyTorchJob");
      assert.deepEqual(
        job.spec.pytorchReplicaSpecs.Master.template.spec.containers[0].command,
        launchCommand(2, 8, "$(MASTER_ADDR):29400", "tiny").split(" "),
      );
      assert.equal(job.spec.pytorchReplicaSpecs.Worker.replicas, 1);

      // The folder trains on its own: python3 graft_torch/train.py job.json.
      const trained = await new Deno.Command(pythonPath(), {
        args: ["graft_torch/train.py", "job.json"],
        cwd: out,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(trained.code, 0, new TextDecoder().decode(trained.stderr));
      const events = new TextDecoder().decode(trained.stdout).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.equal(events.filter((x) => x.event === "epochEnd").length, 3);
      assert.equal(events.at(-1).event, "evaluation");
      const ckpt = await readCheckpoint(join(out, "checkpoints"));
      assert.equal(ckpt.training?.state.epoch, 3);

      const again = await cli(["export", run, "--format", "torch", "--out", out, "--data", data]);
      assert.equal(again.code, 2);
      assert.match(again.err, /is not empty \(pass --overwrite\)/);
      const onnx = await cli(["export", run, "--format", "onnx", "--out", join(dir, "x")]);
      assert.equal(onnx.code, 2);
      assert.match(onnx.err, /--format: expected tfjs or torch, got "onnx"/);
    },
  ),
);
