import assert from "node:assert/strict";
import { readCheckpoint } from "../weights/mod.ts";
import type { TrainState } from "../train/mod.ts";
import { cli, cliProcess, TINY, writeConfig } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

async function setup(epochs = 3) {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(TINY);
  const dir = file.replace(/config\.yaml$/, "");
  const args = (out: string) => [
    "--config",
    file,
    "--data",
    data,
    "--out",
    `${dir}${out}`,
    "--epochs",
    String(epochs),
    "--seed",
    "7",
  ];
  return { dir, args };
}

async function weightsOf(file: string) {
  const c = await readCheckpoint(file);
  const state = c.training!.state as unknown as TrainState;
  return { weights: c.weights, slots: c.training!.optimizer, epoch: state.epoch };
}

function metricsEpochs(dir: string): number[] {
  return Deno.readTextFileSync(`${dir}/metrics.jsonl`).trim().split("\n").map((l) =>
    JSON.parse(l).epoch
  );
}

Deno.test("a kill at each point of an epoch's commit, then --resume: same weights, one metrics line per epoch", async () => {
  const { dir, args } = await setup();
  const ref = await cli(args("reference"));
  assert.equal(ref.code, 0, ref.err);
  const expected = await weightsOf(`${dir}reference/checkpoints/last.safetensors`);
  const refBest = await weightsOf(`${dir}reference/checkpoints/best.safetensors`);
  // Epoch 3 is the reference's best (and last): a kill there must leave best and last one file.
  assert.equal(refBest.epoch, 3);
  for (
    const [point, epoch] of [
      "checkpoint-write",
      "between-checkpoints",
      "before-metrics",
      "after-metrics",
    ]
      .flatMap((p) => [[p, 2], [p, 3]] as const)
  ) {
    const out = `${dir}${point}-${epoch}`;
    const killed = await cliProcess(args(`${point}-${epoch}`), {
      GRAFT_CRASH_AT: `${point}@${epoch}`,
    });
    assert.equal(killed.code, 137, `${point}@${epoch}: ${killed.err}`);
    const status = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
    assert.equal(status.status, "running"); // a killed run is never marked finished
    const resumed = await cli(["--resume", out]);
    assert.equal(resumed.code, 0, `${point}: ${resumed.err}`);
    assert.match(resumed.err, /Removed a stale lock of process \d+/);
    if (point === "checkpoint-write") assert.match(resumed.err, /Removed checkpoints\/.*\.tmp/);
    const got = await weightsOf(`${out}/checkpoints/last.safetensors`);
    assert.equal(got.epoch, 3);
    for (const [key, v] of expected.weights) {
      assert.deepEqual(got.weights.get(key)!.data, v.data, `${point}: ${key}`);
    }
    for (const [key, v] of expected.slots) {
      assert.deepEqual(got.slots.get(key)!.data, v.data, `${point}: slot ${key}`);
    }
    assert.deepEqual(metricsEpochs(out), [1, 2, 3], point);
    const best = await weightsOf(`${out}/checkpoints/best.safetensors`);
    assert.equal(best.epoch, refBest.epoch, `${point}: best epoch`);
    const ino = (name: string) => Deno.statSync(`${out}/checkpoints/${name}.safetensors`).ino;
    assert.equal(ino("best"), ino("last"), `${point}@${epoch}: best and last are one file`);
    assert.deepEqual(
      [...Deno.readDirSync(`${out}/checkpoints`)].map((e) => e.name).sort(),
      ["best.safetensors", "last.safetensors"],
    );
  }
});

Deno.test("each checkpoint holds early stopping's and the best checkpoint's state of its own epoch", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(
    TINY.replace("train:\n", "train:\n  earlyStopping: { monitor: valLoss, patience: 5 }\n"),
  );
  const out = file.replace(/config\.yaml$/, "run");
  const r = await cli(["--config", file, "--data", data, "--out", out, "--epochs", "2"]);
  assert.equal(r.code, 0, r.err);
  const lines = Deno.readTextFileSync(`${out}/metrics.jsonl`).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const lowest = lines[1].valLoss < lines[0].valLoss ? 2 : 1;
  const highest = lines[1].valAccuracy > lines[0].valAccuracy ? 2 : 1;
  const state = (await readCheckpoint(`${out}/checkpoints/last.safetensors`)).training!
    .state as unknown as TrainState;
  assert.equal(state.epoch, 2);
  assert.deepEqual(state.callbacks, {
    earlyStopping: {
      monitor: "valLoss",
      best: lines[lowest - 1].valLoss,
      bestEpoch: lowest,
      wait: 2 - lowest,
    },
    checkpointing: {
      monitor: "valAccuracy",
      best: lines[highest - 1].valAccuracy,
      bestEpoch: highest,
    },
  });
});

Deno.test("resuming a finished run says so and changes nothing", async () => {
  const { dir, args } = await setup(1);
  const out = `${dir}done`;
  assert.equal((await cli(args("done"))).code, 0);
  const before = Deno.readTextFileSync(`${out}/evaluation.json`);
  const mtime = Deno.statSync(`${out}/evaluation.json`).mtime;
  const r = await cli(["--resume", out]);
  assert.equal(r.code, 0);
  assert.match(r.err, /is finished: 1 of 1 epochs trained.*Nothing to do: pass --epochs N/);
  assert.doesNotMatch(r.err, /Training epochs/);
  assert.equal(Deno.readTextFileSync(`${out}/evaluation.json`), before);
  assert.deepEqual(Deno.statSync(`${out}/evaluation.json`).mtime, mtime);
});

Deno.test("resume refuses settings that change what the finished epochs meant, naming each", async () => {
  const { dir, args } = await setup(1);
  const out = `${dir}run`;
  assert.equal((await cli(args("run"))).code, 0);
  const config = Deno.readTextFileSync(`${out}/config.yaml`);
  const r = await cli(["--resume", out, "--seed", "99", "--limit-train", "16", "--epochs", "2"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /Cannot resume .*run \(2 problems\)/);
  assert.match(r.err, /--limit-train: data\.limitTrain was null for the finished epochs, now 16/);
  assert.match(r.err, /--seed: train\.seed was 7 for the finished epochs, now 99/);
  assert.equal(Deno.readTextFileSync(`${out}/config.yaml`), config);
  assert.deepEqual(metricsEpochs(out), [1]);
});

Deno.test("--epochs extends a run and says how the schedule continues", async () => {
  const { dir, args } = await setup(1);
  const out = `${dir}run`;
  assert.equal((await cli(args("run"))).code, 0);
  const r = await cli(["--resume", out, "--epochs", "2"]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /Continuing to epoch 2 \(the run asked for 1\): the constant learning-rate schedule does not depend on the number of epochs/,
  );
  assert.deepEqual(metricsEpochs(out), [1, 2]);
  const { scheduleContinuation } = await import("../pipelines/_resume.ts");
  assert.equal(
    scheduleContinuation({ type: "oneCycle" }, 3, 5, 3, 16),
    "Continuing to epoch 5 (the run asked for 3): the oneCycle schedule is planned over all " +
      "epochs, so it is re-planned over 5: the learning-rate factor was 4.00e-6 at step 48, and " +
      "is 0.584 at step 49 on the new plan (start a new run to keep one oneCycle cycle)",
  );
});

Deno.test("a damaged checkpoint on --resume is a message naming the file, and nothing changes", async () => {
  const { dir, args } = await setup(1);
  const out = `${dir}run`;
  assert.equal((await cli(args("run"))).code, 0);
  const last = `${out}/checkpoints/last.safetensors`;
  const bytes = await Deno.readFile(last);
  await Deno.writeFile(last, bytes.subarray(0, bytes.length - 100)); // truncated
  const status = await Deno.readTextFile(`${out}/run.json`);
  const r = await cli(["--resume", out, "--epochs", "2"]);
  assert.equal(r.code, 2);
  assert.ok(r.err.startsWith(`Cannot read safetensors file: ${last}: `), r.err);
  assert.doesNotMatch(r.err, /\n\s+at /); // no stack trace
  assert.equal(await Deno.readTextFile(`${out}/run.json`), status);
  assert.deepEqual(metricsEpochs(out), [1]);
});

Deno.test("SIGTERM marks the run failed, interrupted, and frees the folder", async () => {
  const { dir, args } = await setup(50);
  const out = `${dir}term`;
  const child = new Deno.Command("deno", {
    args: [
      "run",
      "-A",
      new URL("../pipelines/cifar10.ts", import.meta.url).pathname,
      ...args("term"),
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Wait until the first epoch is committed.
  for (let i = 0; i < 600; i++) {
    const text = await Deno.readTextFile(`${out}/metrics.jsonl`).catch(() => "");
    if (text.includes("\n")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGTERM");
  const { code } = await child.status;
  assert.equal(code, 143);
  const status = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
  assert.equal(status.status, "failed");
  assert.equal(status.reason, "interrupted by SIGTERM");
  await assert.rejects(Deno.stat(`${out}/run.lock`), Deno.errors.NotFound);
  const resumed = await cli(["--resume", out, "--epochs", String(status.epoch + 1)]);
  assert.equal(resumed.code, 0, resumed.err);
});
