import assert from "node:assert/strict";
import { cli, TINY, writeConfig } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

async function setup() {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(TINY);
  const out = file.replace(/config\.yaml$/, "run");
  const args = ["--config", file, "--data", data, "--out", out, "--epochs", "1"];
  return { data, file, out, args };
}

async function md5s(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import("node:crypto");
  const out: Record<string, string> = {};
  for (const sub of ["", "checkpoints/"]) {
    for (const e of Deno.readDirSync(`${dir}/${sub}`)) {
      if (e.isFile) {
        out[sub + e.name] = createHash("md5").update(Deno.readFileSync(`${dir}/${sub}${e.name}`))
          .digest("hex");
      }
    }
  }
  return out;
}

Deno.test("a new run into a folder that holds a run is refused and changes nothing", async () => {
  const { out, args } = await setup();
  assert.equal((await cli(args)).code, 0);
  const before = await md5s(out);
  const again = await cli(args);
  assert.equal(again.code, 2);
  assert.match(
    again.err,
    /^Invalid arguments: --out: .*run already holds a run \(checkpoints, config\.yaml, evaluation\.json, metrics\.csv, \.\.\.\): continue it with --resume/,
  );
  assert.deepEqual(await md5s(out), before);
});

Deno.test("--overwrite empties the folder first", async () => {
  const { out, args } = await setup();
  assert.equal((await cli([...args, "--epochs", "2"])).code, 0);
  await Deno.writeTextFile(`${out}/notes.txt`, "mine");
  const r = await cli([...args, "--overwrite"]);
  assert.equal(r.code, 0, r.err);
  assert.equal((await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n").length, 1);
  await assert.rejects(Deno.stat(`${out}/notes.txt`), Deno.errors.NotFound);
});

Deno.test("a folder locked by a live process is refused, naming the process", async () => {
  const { out, args } = await setup();
  await Deno.mkdir(out);
  // This test holds the OS lock, as a running process would.
  using lock = await Deno.open(`${out}/run.lock`, { write: true, create: true });
  assert.ok(await lock.tryLock(true));
  await lock.write(new TextEncoder().encode("4242\n"));
  const r = await cli([...args, "--overwrite"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /is in use by process 4242 \(lock file .*run\.lock\): wait for it/);
  assert.equal(await Deno.readTextFile(`${out}/run.lock`), "4242\n");
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["run.lock"]);
});

Deno.test("two runs at once into one folder: the second fails at once", async () => {
  const { out, args } = await setup();
  const [a, b] = await Promise.all([cli(args), cli(args)]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 2]);
  const failed = a.code === 2 ? a : b;
  assert.match(failed.err, /already holds a run|is in use by process/);
  const lines = (await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n");
  assert.equal(lines.length, 1);
});

Deno.test("a stale lock from a dead process is taken over", async () => {
  const { out, args } = await setup();
  await Deno.mkdir(out);
  await Deno.writeTextFile(`${out}/run.lock`, "999999999\n");
  const r = await cli([...args, "--overwrite"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /Removed a stale lock of process 999999999/);
  await assert.rejects(Deno.stat(`${out}/run.lock`), Deno.errors.NotFound);
});

Deno.test("a run that fails after starting marks its folder failed", async () => {
  const { out, args } = await setup();
  // An lr so large the loss overflows: training stops with an error in epoch 1.
  const r = await cli([...args, "--lr", "1e30", "--epochs", "2"]);
  assert.equal(r.code, 1);
  const status = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
  assert.equal(status.status, "failed");
  assert.match(status.reason, /Training stopped/);
  await assert.rejects(Deno.stat(`${out}/evaluation.json`), Deno.errors.NotFound);
});

Deno.test("--validation 0 trains without validation and keeps no best checkpoint", async () => {
  const { out, args } = await setup();
  const r = await cli([...args, "--validation", "0", "--json"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /Data .*: 40 training, 0 validation/);
  const line = JSON.parse(r.out.trim());
  assert.equal(line.valAccuracy, undefined);
  assert.deepEqual([...Deno.readDirSync(`${out}/checkpoints`)].map((e) => e.name), [
    "last.safetensors",
  ]);
  const ev = JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`));
  assert.equal(ev.count, 6); // the test set, once
});

Deno.test("validation metrics come from the held-out images, the final evaluation from the test set", async () => {
  const { out, args } = await setup();
  const r = await cli([...args, "--validation", "10", "--json"]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /30 training, 10 validation \(held out of the training images\), 6 test images/,
  );
  const ev = JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`));
  assert.equal(ev.count, 6);
  assert.equal(ev.split, "test");
});

Deno.test("non-finite weights or validation loss stop the run and no checkpoint is written", async () => {
  const { out, args } = await setup();
  const r = await cli([...args, "--lr", "1e39", "--batch-size", "64"]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /\nTraining stopped: .*NaN or infinite .*after epoch 1/);
  assert.deepEqual([...Deno.readDirSync(`${out}/checkpoints`)], []);
  assert.equal(await Deno.readTextFile(`${out}/metrics.jsonl`), "");
  const status = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
  assert.equal(status.status, "failed");
});
