import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { parseConfig, specFrom } from "../pipelines/_config.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";
import { cli, TINY, writeConfig } from "./_cli.ts";

Deno.test("--help lists every option", async () => {
  const { code, out } = await cli(["--help"]);
  assert.equal(code, 0);
  for (
    const flag of [
      "--config",
      "--data",
      "--model",
      "--epochs",
      "--batch-size",
      "--lr",
      "--backend",
      "--seed",
      "--out",
      "--limit-train",
      "--limit-test",
      "--resume",
      "--overwrite",
      "--validation",
      "--resize",
      "--debug",
      "--json",
    ]
  ) assert.ok(out.includes(flag), `${flag} missing from --help`);
});

Deno.test("a flag error is one line, even node's several-line ones", async () => {
  for (const args of [["--lr", "-1"], ["--bogus"], ["--epochs"]]) {
    const { code, err } = await cli(args);
    assert.equal(code, 2, args.join(" "));
    assert.match(err, /^Invalid arguments: [^\n]*[^.]: run with --help for the options\n$/);
  }
  const { err } = await cli(["--lr", "-1"]);
  assert.match(err, /ambiguous; .*'--lr=-XYZ': run with/);
  const exported = await cli(["export", "--bogus"]);
  assert.equal(exported.code, 2);
  assert.match(
    exported.err,
    /^Invalid arguments: [^\n]*'--bogus'[^\n]*: run export --help for the options\n$/,
  );
});

Deno.test("the default config is the seed recipe", async () => {
  const file = new URL("../pipelines/cifar10.yaml", import.meta.url);
  const { config, locator } = parseConfig(await Deno.readTextFile(file), "cifar10.yaml");
  const spec = specFrom(config, locator, "cifar10.yaml");
  assert.equal(spec.name, "vgg16");
  assert.deepEqual(spec.toJSON().steps.slice(1).map((s) => s.call), [
    "replaceHead(10)",
    "drop(classifier.2)",
    "freeze(features)",
  ]);
  assert.equal(spec.node("classifier.2" as never), undefined);
  assert.ok(spec.nodes.filter((n) => n.path.startsWith("features.")).every((n) => !n.trainable));
  assert.ok(spec.nodes.filter((n) => n.path.startsWith("classifier.")).every((n) => n.trainable));
  assert.deepEqual(config.train.optimizer, { type: "sgd", lr: 0.001, momentum: 0.9 });
  const head = spec.node("classifier.6" as never);
  assert.equal(head?.op === "dense" && head.config.units, 10);
});

Deno.test("an unknown key is an error naming the key and its line", async () => {
  const file = await writeConfig(
    TINY.replace("  batchSize: 4\n", "  batchSize: 4\n  batchsize: 8\n"),
  );
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(err, /^Invalid config .*config\.yaml: train\.batchsize \(line 19\): unknown key\n$/);
});

Deno.test("a wrong type is an error naming the key and its line", async () => {
  const file = await writeConfig(TINY.replace("epochs: 3", 'epochs: "three"'));
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(err, /train\.epochs \(line 17\): expected number, received string/);
  const bad = await writeConfig(TINY.replace("filters: 4", "filters: -4"));
  const r = await cli(["--config", bad]);
  assert.match(
    r.err,
    /model\.layers\.features\[1\]\.conv2d\.filters \(line 8\): expected a positive integer, received -4/,
  );
});

Deno.test("an edit on a path that does not exist names the edit's key and line", async () => {
  const file = await writeConfig(`model:
  base: vgg11
  edits:
    - replaceHead: 10
    - drop: clasifier.2
    - freeze: featurs
`);
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(err, /\(2 problems\)/);
  assert.match(err, /model\.edits\[1\]\.drop \(line 5\): .*clasifier\.2/);
  assert.match(err, /model\.edits\[2\]\.freeze \(line 6\): .*featurs/);
});

Deno.test("bad flags are reported by name", async () => {
  const { code, err } = await cli(["--epochs", "0", "--backend", "gpu", "--lr", "x"]);
  assert.equal(code, 2);
  assert.match(err, /--epochs: expected an integer >= 1, got "0"/);
  assert.match(err, /--backend: expected one of auto, native, cpu, webgpu, tensorflow, got "gpu"/);
  assert.match(err, /--lr: expected a number >= 0, got "x"/);
  assert.equal((await cli(["--nope"])).code, 2);
});

Deno.test("missing data fails with a message naming the path", async () => {
  const file = await writeConfig(TINY);
  const { code, err } = await cli([
    "--config",
    file,
    "--data",
    "/no/such/cifar",
    "--out",
    `${file}.run`,
  ]);
  assert.equal(code, 2);
  assert.equal(
    err,
    "Cannot read CIFAR-10 data: /no/such/cifar does not exist: give a folder, a .tar.gz or a URL\n",
  );
  await assert.rejects(Deno.stat(`${file}.run`), Deno.errors.NotFound); // nothing was created
});

Deno.test("a run writes its folder, prints JSON per epoch, takes flag overrides, and resumes", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(TINY);
  const out = `${file.replace(/config\.yaml$/, "")}run`;
  const first = await cli([
    "--config",
    file,
    "--data",
    data,
    "--out",
    out,
    "--json",
    "--epochs",
    "1",
    "--batch-size",
    "8",
    "--lr",
    "0.02",
    "--seed",
    "3",
    "--limit-train",
    "24",
    "--limit-test",
    "5",
  ]);
  assert.equal(first.code, 0, first.err);
  const lines = first.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].epoch, 1);
  assert.equal(lines[0].step, 3); // 24 images, batch 8
  const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.deepEqual(files, [
    "checkpoints",
    "config.yaml",
    "evaluation.json",
    "metrics.csv",
    "metrics.jsonl",
    "mistakes.json",
    "provenance.json",
    "report.html",
    "run.json",
    "spec.json",
    "steps.csv",
  ]);
  const status = JSON.parse(await Deno.readTextFile(`${out}/run.json`));
  assert.equal(status.status, "finished");
  assert.equal(status.epoch, 1);
  const resolved = parseYaml(await Deno.readTextFile(`${out}/config.yaml`));
  assert.equal(resolved.train.batchSize, 8);
  assert.equal(resolved.train.seed, 3);
  assert.equal(resolved.train.optimizer.lr, 0.02);
  assert.equal(resolved.data.limitTrain, 24);
  assert.equal(resolved.data.path, data);
  const evaluation = JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`));
  assert.equal(evaluation.count, 5);
  assert.equal(evaluation.split, "test");
  assert.equal(evaluation.confusion.length, 10);
  assert.ok("truck" in evaluation.perClass);
  assert.deepEqual(
    [...Deno.readDirSync(`${out}/checkpoints`)].map((e) => e.name).sort(),
    ["best.safetensors", "last.safetensors"],
  );
  // After one epoch the best checkpoint is the last one: one file, two names.
  const [best, last] = ["best", "last"].map((n) =>
    Deno.statSync(`${out}/checkpoints/${n}.safetensors`)
  );
  assert.equal(best!.ino, last!.ino);

  const second = await cli(["--resume", out, "--epochs", "2", "--json"]);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /Training epochs 2-2: .* resumed from/);
  const more = second.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(more.map((m) => m.epoch), [2]);
  assert.equal(more[0].step, 6);
  const metrics = (await Deno.readTextFile(`${out}/metrics.jsonl`)).trim().split("\n");
  assert.deepEqual(metrics.map((l) => JSON.parse(l).epoch), [1, 2]);
});

Deno.test("model.weights reaches the zoo spec, and is an error where no weights exist", async () => {
  const text = `model:\n  base: vgg11\n  weights: imagenet\n  edits:\n    - replaceHead: 10\n`;
  const { config, locator } = parseConfig(text, "w.yaml");
  assert.equal(specFrom(config, locator, "w.yaml").weights, "imagenet");
  const file = await writeConfig(TINY.replace(/(base: \w+\n)/, "$1  weights: imagenet\n"));
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(err, /model\.weights \(line 4\): base custom has no published weights/);
});
