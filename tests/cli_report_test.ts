// Real tiny runs on the shared CIFAR-10 archive, looked at as a person would: the run folder's
// files, report.html and a comparison opened in headless Chromium, and the evaluate, predict and
// export commands on them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { parseStepsCsv, writeRunReport } from "../report/mod.ts";
import { viewPage } from "./_browser.ts";
import { missing } from "./_requires.ts";
import { cli } from "./_cli.ts";

const archive = fileURLToPath(
  new URL("../../shared/cifar10/cifar-10-binary.tar.gz", import.meta.url),
);
const present = (() => {
  try {
    return Deno.statSync(archive).isFile;
  } catch {
    return false;
  }
})();

// Average-pool to 8×8 first so the CPU backend trains in seconds.
const TINY = `name: tiny
model:
  base: custom
  inputShape: [32, 32, 3]
  layers:
    features:
      - avgPool2d: { poolSize: 4 }
      - conv2d: { filters: 8, kernelSize: 3, padding: 1 }
      - relu
      - maxPool2d: { poolSize: 2 }
    classifier:
      - flatten
      - dense: { units: 10 }
data:
  validation: 200
train:
  epochs: 2
  batchSize: 32
  optimizer: { type: adam, lr: 0.01 }
  schedule: { type: oneCycle }
backend: cpu
`;

const root = present ? await Deno.makeTempDir({ prefix: "graft-report-" }) : "";
const config = join(root, "tiny.yaml");
const runA = join(root, "run-a");
const runB = join(root, "run-b");
const shots = Deno.env.get("GRAFT_SCREENSHOTS") ?? root;

let made: Promise<void> | undefined;
/** Trains the two runs once (the tests below share them). */
function runs(): Promise<void> {
  made ??= (async () => {
    await Deno.writeTextFile(config, TINY);
    const common = ["--config", config, "--data", archive, "--limit-train", "256"];
    const a = await cli([...common, "--limit-test", "200", "--out", runA]);
    assert.equal(a.code, 0, a.err);
    const b = await cli([...common, "--limit-test", "200", "--lr", "0.003", "--out", runB]);
    assert.equal(b.code, 0, b.err);
  })();
  return made;
}

const noChromium = await missing("chromium");
const test = (name: string, fn: () => Promise<void>, browser = false) =>
  Deno.test({
    name,
    ignore: !present || (browser && noChromium),
    sanitizeOps: !browser,
    sanitizeResources: !browser,
    fn,
  });

test("a run folder keeps per-step metrics, metrics.csv, provenance and a finished report", async () => {
  await runs();
  const steps = parseStepsCsv(await Deno.readTextFile(join(runA, "steps.csv")));
  assert.equal(steps.length, 16); // 2 epochs of 256 / 32 steps
  assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 16 }, (_, i) => i + 1));
  assert.deepEqual(Object.keys(steps[0]!.lr), ["features", "classifier"]);
  const csv = (await Deno.readTextFile(join(runA, "metrics.csv"))).trim().split("\n");
  assert.equal(csv.length, 3);
  assert.match(csv[0]!, /^epoch,step,loss,accuracy,valLoss,valAccuracy,valTop5,/);
  assert.match(csv[2]!, /^2,16,/);
  const prov = JSON.parse(await Deno.readTextFile(join(runA, "provenance.json")));
  assert.equal(prov.deno, Deno.version.deno);
  assert.equal(prov.tfjs, "4.22.0");
  assert.equal(prov.backend.chosen, "cpu");
  assert.ok(prov.wallSeconds > 0 && prov.endedAt > prov.startedAt);
  const mistakes = JSON.parse(await Deno.readTextFile(join(runA, "mistakes.json")));
  assert.ok(mistakes.length > 0 && mistakes.length <= 32);
  assert.ok(mistakes[0].confidence >= mistakes[mistakes.length - 1].confidence);
  assert.notEqual(mistakes[0].label, mistakes[0].predicted);
  assert.match(mistakes[0].image, /^data:image\/png;base64,iVBORw0KGgo/);
  const html = await Deno.readTextFile(join(runA, "report.html"));
  assert.match(html, /class="badge finished"/);
  assert.doesNotMatch(html, /http-equiv="refresh"/);
  assert.doesNotMatch(html, /<script|src="http|href="http|@import/); // offline, no CDN
});

test(
  "report.html opens in Chromium with no console errors, every chart and the image grid",
  async () => {
    await runs();
    const view = await viewPage(join(runA, "report.html"), join(shots, "report-run.png"));
    assert.deepEqual(view.errors, []);
    assert.deepEqual(view.charts, [
      "chart-loss",
      "chart-accuracy",
      "chart-lr",
      "chart-throughput",
      "chart-confusion",
      "chart-per-class",
    ]);
    assert.ok(view.images > 0);
    assert.equal(view.imagesLoaded, view.images);
    assert.equal(view.reloads, false);
    for (const part of ["Model", "Config", "Provenance", "features.1", "TensorFlow.js", "4.22.0"]) {
      assert.ok(view.text.includes(part), `${part} missing from the page`);
    }
  },
  true,
);

test(
  "a comparison of two runs overlays their curves and highlights config differences",
  async () => {
    await runs();
    const out = join(root, "compare.html");
    const r = await cli(["report", runA, runB, "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `Wrote ${out} comparing 2 runs\n`);
    const html = await Deno.readTextFile(out);
    assert.match(
      html,
      /<tr class="diff"><td><code>train\.optimizer\.lr<\/code><\/td><td>0\.01<\/td><td>0\.003<\/td>/,
    );
    assert.doesNotMatch(html, /<tr class="diff"><td><code>train\.batchSize/);
    const view = await viewPage(out, join(shots, "report-comparison.png"));
    assert.deepEqual(view.errors, []);
    assert.deepEqual(view.charts, [
      "chart-compare-loss",
      "chart-compare-accuracy",
      "chart-compare-steps",
    ]);
    assert.ok(view.text.includes("run-a") && view.text.includes("run-b"));
  },
  true,
);

test("a live report reloads itself and says live", async () => {
  await runs();
  const out = join(root, "live.html");
  await writeRunReport(runA, { status: "live", out });
  const html = await Deno.readTextFile(out);
  assert.match(html, /<meta http-equiv="refresh" content="10">/);
  assert.match(html, /class="badge live"/);
});

test("a run that fails writes a report that says failed and why", async () => {
  const dir = join(await Deno.makeTempDir(), "boom");
  await Deno.writeTextFile(
    join(root, "boom.yaml"),
    TINY.replace("{ type: adam, lr: 0.01 }", "{ type: sgd, lr: 1e30 }"),
  );
  const r = await cli([
    "--config",
    join(root, "boom.yaml"),
    "--data",
    archive,
    "--limit-train",
    "64",
    "--limit-test",
    "10",
    "--out",
    dir,
  ]);
  assert.equal(r.code, 1);
  const html = await Deno.readTextFile(join(dir, "report.html"));
  assert.match(html, /class="badge failed"/);
  assert.match(html, /<div class="reason">Training stopped: the loss is (NaN|Infinity)/);
});

/** CIFAR test image `i` of the shared archive as interleaved RGB, via the pipeline's loader. */
async function testImage(i: number): Promise<Uint8Array> {
  const { loadCifar10 } = await import("../data/mod.ts");
  const data = await loadCifar10({ data: archive, limitTrain: 1, limitTest: i + 1 });
  const planes = data.test.pixels.subarray(i * 3072, (i + 1) * 3072);
  const rgb = new Uint8Array(3072);
  for (let p = 0; p < 1024; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = planes[c * 1024 + p]!;
  }
  return rgb;
}

/** Nearest-neighbour upscale of a 32×32 RGB image. */
function upscale(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (Math.floor(y * 32 / h) * 32 + Math.floor(x * 32 / w)) * 3;
      out.set([rgb[s]!, rgb[s + 1]!, rgb[s + 2]!, 255], (y * w + x) * 4);
    }
  }
  return out;
}

test("predict classifies PNG and JPEG files of CIFAR test images, at 32×32 and at another size", async () => {
  await runs();
  const dir = await Deno.makeTempDir();
  const png = join(dir, "cat.png");
  const jpg = join(dir, "ship.jpg");
  await Deno.writeFile(
    png,
    encodePng({ width: 32, height: 32, data: await testImage(0), channels: 3 }),
  );
  const big = jpeg.encode({ width: 96, height: 72, data: upscale(await testImage(1), 96, 72) }, 95);
  await Deno.writeFile(jpg, big.data);
  const r = await cli(["predict", runA, png, jpg, "--json"]);
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(r.out);
  assert.deepEqual(result.map((x: { file: string }) => x.file), [png, jpg]);
  assert.deepEqual([result[0].width, result[0].height, result[1].width, result[1].height], [
    32,
    32,
    96,
    72,
  ]);
  for (const x of result) {
    assert.equal(x.top5.length, 5);
    const p = x.top5.map((t: { probability: number }) => t.probability);
    assert.deepEqual(p, [...p].sort((a, b) => b - a));
    assert.ok(p.reduce((a: number, b: number) => a + b) <= 1.000001);
  }
  // The 32×32 PNG holds test image 0 exactly, so its answer is the one evaluate gives: the
  // mistakes list names image 0 with its predicted class when the model got it wrong.
  const mistakes = JSON.parse(await Deno.readTextFile(join(runA, "mistakes.json")));
  const m0 = mistakes.find((m: { index: number }) => m.index === 0);
  if (m0) assert.equal(result[0].top5[0].class, m0.predicted);
  const text = await cli(["predict", runA, png]);
  assert.match(
    text.out,
    new RegExp(`^${png.replace(/[/.]/g, "\\$&")} \\(32×32\\)\\n  \\w+ +\\d+\\.\\d%\\n`),
  );
});

test("predict on a file that is not an image fails with one clear line and exit code 2", async () => {
  await runs();
  const file = join(await Deno.makeTempDir(), "notes.txt");
  await Deno.writeTextFile(file, "hello");
  const r = await cli(["predict", runA, file]);
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `Cannot read ${file}: not a PNG or JPEG image (it starts with bytes 68 65 6c 6c)\n`,
  );
});

test("evaluate prints top-1, top-5, per-class accuracy and the confusion matrix, and writes them", async () => {
  await runs();
  const r = await cli(["evaluate", runA, "--limit", "50"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^test: 50 images, loss \d+\.\d{4}, top-1 \d+\.\d\d%, top-5 \d+\.\d\d%\n/);
  assert.match(r.out, /\ntruck +\d+\.\d\d%\n/);
  assert.match(r.out, /confusion matrix \(rows: true class, columns: predicted\)/);
  const saved = JSON.parse(await Deno.readTextFile(join(runA, "evaluation-test.json")));
  assert.equal(saved.count, 50);
  assert.equal(saved.confusion.flat().reduce((a: number, b: number) => a + b), 50);
  const again = await cli(["evaluate", runA, "--limit", "50"]);
  assert.equal(again.code, 2);
  assert.match(
    again.err,
    /^Not overwriting .*evaluation-test\.json: give --overwrite to replace it\n$/,
  );
  const val = await cli(["evaluate", runA, "--split", "validation", "--limit", "40"]);
  assert.equal(val.code, 0, val.err);
  assert.match(val.out, /^validation: 40 images, /);
  const held = JSON.parse(await Deno.readTextFile(join(runA, "evaluation-validation.json")));
  assert.equal(held.split, "validation");
  const bad = await cli(["evaluate", runA, "--split", "train"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.err, 'Invalid --split: expected test or validation, got "train"\n');
});

test("export writes the TensorFlow.js layers model and refuses a non-empty folder", async () => {
  await runs();
  const out = join(await Deno.makeTempDir(), "web");
  const r = await cli(["export", runA, "--format", "tfjs", "--out", out]);
  assert.equal(r.code, 0, r.err);
  const model = JSON.parse(await Deno.readTextFile(join(out, "model.json")));
  assert.equal(model.format, "layers-model");
  const again = await cli(["export", runA, "--format", "tfjs", "--out", out]);
  assert.equal(again.code, 2);
  assert.match(
    again.err,
    /^Not overwriting .*: it is not empty \(give --overwrite to replace\)\n$/,
  );
});

Deno.test("a missing run folder is bad input: exit code 2 and one line naming it, for every command", async () => {
  const image = join(await Deno.makeTempDir(), "x.png");
  await Deno.writeFile(
    image,
    encodePng({ width: 1, height: 1, data: new Uint8Array(3), channels: 3 }),
  );
  for (
    const [args, message] of [
      [["evaluate", "no/such/run"], "Cannot open run no/such/run: no such folder"],
      [["predict", "no/such/run", image], "Cannot open run no/such/run: no such folder"],
      [
        ["export", "no/such/run", "--format", "tfjs", "--out", join(await Deno.makeTempDir(), "w")],
        "Cannot open run no/such/run: no such folder",
      ],
      [["report", "no/such/run"], "Cannot report on no/such/run: no such run folder"],
    ] as const
  ) {
    const r = await cli([...args]);
    assert.deepEqual([r.code, r.err], [2, `${message}\n`], args[0]);
  }
});

Deno.test("commands name bad flags in one line", async () => {
  const flag = await cli(["predict", "--bogus"]);
  assert.equal(flag.code, 2);
  assert.match(
    flag.err,
    /^Invalid arguments: [^\n]*--bogus[^\n]*: run predict --help for the options\n$/,
  );
  for (const cmd of ["report", "evaluate", "predict", "export"]) {
    const help = await cli([cmd, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, new RegExp(`Usage: deno task cifar10 ${cmd} `));
    assert.match(help.out, /Exit codes: 0 /);
  }
});
