import assert from "node:assert/strict";
import { cli, TINY, writeConfig } from "./_cli.ts";
import { cifarMembers, writeArchive } from "./_data_fixtures.ts";

Deno.test("an empty config is refused: a config must name a model", async () => {
  const file = await writeConfig("");
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(
    err,
    /model: missing: a config must name a model, e\.g\. model: \{ base: vgg16 \}\n$/,
  );
  const noBase = await cli(["--config", await writeConfig("model:\n  batchNorm: true\n")]);
  assert.match(noBase.err, /model\.base \(line 2\): missing: name the base model \(vgg11, /);
});

Deno.test("a config with two typos in different sections reports both, with their lines", async () => {
  const file = await writeConfig(`model:
  base: vgg11
  edits:
    - replaceHead: 10
    - drop: clasifier.2
train:
  batchsize: 8
`);
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.match(err, /\(2 problems\)/);
  assert.match(err, /train\.batchsize \(line 7\): unknown key/);
  assert.match(err, /model\.edits\[1\]\.drop \(line 5\): .*clasifier\.2/);
});

Deno.test("an unknown optimizer or schedule type is named like any unknown option: key, line, the choices", async () => {
  const file = await writeConfig(`model:
  base: vgg11
  edits:
    - replaceHead: 10
train:
  optimizer: { type: adamx, lr: 0.1 }
  schedule:
    type: cosinus
`);
  const { code, err } = await cli(["--config", file]);
  assert.equal(code, 2);
  assert.equal(
    err,
    `Invalid config ${file} (2 problems):\n` +
      `  - train.optimizer.type (line 6): invalid option: expected one of "sgd"|"adam"|"adamw"\n` +
      `  - train.schedule.type (line 8): invalid option: expected one of ` +
      `"constant"|"step"|"cosine"|"oneCycle"\n`,
  );
});

Deno.test("--model on a custom base is an error, not a silent swap", async () => {
  const file = await writeConfig(TINY);
  const { code, err } = await cli(["--config", file, "--model", "vgg11"]);
  assert.equal(code, 2);
  assert.match(err, /^Invalid arguments: --model: the config's base is custom/);
});

Deno.test("a head that does not match the 10 classes is an error before anything runs", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig("model:\n  base: vgg11\nbackend: cpu\n");
  const out = `${file}.run`;
  const { code, err } = await cli(["--config", file, "--data", data, "--out", out]);
  assert.equal(code, 2);
  assert.equal(
    err,
    "Cannot train this config: model: the model's head gives 1000 outputs but CIFAR-10 has 10 " +
      'classes: add "- replaceHead: 10" to model.edits (or set model.classes: 10)\n',
  );
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
});

Deno.test("--model names the run folder after the model trained", async () => {
  const { applyFlags, parseFlags } = await import("../pipelines/_flags.ts");
  const { parseConfig } = await import("../pipelines/_config.ts");
  const text = await Deno.readTextFile(new URL("../pipelines/cifar10.yaml", import.meta.url));
  const { config } = parseConfig(text, "cifar10.yaml");
  const c = applyFlags(config, parseFlags(["--model", "vgg11"]).values);
  assert.equal(c.model.base, "vgg11");
  assert.equal(c.name, "cifar10_vgg11");
});

Deno.test("data.resize sets the model's input size, and a contradicting inputShape is an error", async () => {
  const { parseConfig, specFrom } = await import("../pipelines/_config.ts");
  const { config } = parseConfig("model:\n  base: vgg11\ndata:\n  resize: 64\n", "r.yaml");
  assert.deepEqual(specFrom(config, undefined, "r.yaml").inputShape, [64, 64, 3]);
  const bad = await writeConfig(
    TINY.replace("  validation: 10\n", "  validation: 10\n  resize: 48\n"),
  );
  const { code, err } = await cli(["--config", bad]);
  assert.equal(code, 2);
  assert.match(
    err,
    /model\.inputShape \(line 4\): is \[32,32,3\] but data\.resize makes the images 48×48/,
  );
});

Deno.test("an unexpected error prints one line, and its stack only with --debug", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(TINY);
  // A file where the run folder should go: the folder cannot be created.
  const blocker = `${file}.blocker`;
  await Deno.writeTextFile(blocker, "");
  const plain = await cli(["--config", file, "--data", data, "--out", `${blocker}/run`]);
  assert.notEqual(plain.code, 0);
  assert.equal(
    plain.err.trim().split("\n").filter((l) => !l.startsWith("Backend ") && !l.startsWith("Data "))
      .length,
    1,
    plain.err,
  );
  assert.doesNotMatch(plain.err, /\n\s+at /);
  const debug = await cli(["--config", file, "--data", data, "--out", `${blocker}/run`, "--debug"]);
  assert.match(debug.err, /\n\s+at /);
});

Deno.test("offline, the default config names each file to fetch, where to put it, and the local options", async () => {
  const cache = await Deno.makeTempDir({ prefix: "graft-cache-" });
  const before = Deno.env.get("GRAFT_CACHE");
  Deno.env.set("GRAFT_CACHE", cache);
  try {
    const out = `${cache}/run`;
    // These tests run without network permission: every download fails as it would offline.
    const { code, err } = await cli(["--out", out, "--backend", "cpu"]);
    assert.equal(code, 2);
    assert.match(err, /^Cannot get the data and the weights this run needs \(offline\?\)/);
    assert.match(
      err,
      new RegExp(
        `download https://www\\.cs\\.toronto\\.edu/~kriz/cifar-10-binary\\.tar\\.gz yourself and save it as ${cache}/cifar10/cifar-10-binary\\.tar\\.gz`,
      ),
    );
    assert.match(
      err,
      new RegExp(
        `download https://huggingface\\.co/timm/vgg16\\.tv_in1k/resolve/main/model\\.safetensors and save it as ${cache}/weights/vgg16\\.tv_in1k\\.safetensors`,
      ),
    );
    assert.match(err, /pass --data/);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  } finally {
    if (before === undefined) Deno.env.delete("GRAFT_CACHE");
    else Deno.env.set("GRAFT_CACHE", before);
  }
});

Deno.test("a bad weights file is one message naming it, before any folder exists", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const dir = await Deno.makeTempDir({ prefix: "graft-cli-" });
  const weights = `${dir}/random.safetensors`;
  await Deno.writeFile(weights, Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) % 251));
  const file = await writeConfig(
    `model:\n  base: vgg11\n  weights: ${weights}\n  edits:\n    - replaceHead: 10\n` +
      `data:\n  validation: 10\nbackend: cpu\n`,
  );
  const out = `${dir}/run`;
  const { code, err } = await cli(["--config", file, "--data", data, "--out", out]);
  assert.equal(code, 2);
  assert.match(
    err,
    new RegExp(`\nCannot read safetensors file: ${weights}: header length \\d+ runs past`),
  );
  assert.doesNotMatch(err, /\n\s+at /);
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
});

Deno.test("--model vgg11 on the small config stops before training: its head does not fit", async () => {
  const { code, err } = await cli([
    "--config",
    new URL("../pipelines/cifar10_small.yaml", import.meta.url).pathname,
    "--model",
    "vgg11",
    "--data",
    "/no/such/data", // never read: the config is refused first
  ]);
  assert.equal(code, 2);
  assert.match(
    err,
    /^Cannot train this config: model: the model's head gives 1000 outputs but CIFAR-10 has 10 classes[^\n]*\n$/,
  );
});

Deno.test("--resize reaches training, validation and the test set", async () => {
  const data = await writeArchive(cifarMembers(8, 6));
  const file = await writeConfig(TINY.replace("  inputShape: [32, 32, 3]\n", ""));
  const out = `${file}.run`;
  const r = await cli([
    "--config",
    file,
    "--data",
    data,
    "--out",
    out,
    "--resize",
    "40",
    "--epochs",
    "1",
  ]);
  assert.equal(r.code, 0, r.err);
  const spec = JSON.parse(await Deno.readTextFile(`${out}/spec.json`));
  assert.deepEqual(spec.input.shape, [40, 40, 3]);
  assert.equal(JSON.parse(await Deno.readTextFile(`${out}/evaluation.json`)).count, 6);
});
