import assert from "node:assert/strict";
import { metricsCsv, parseStepsCsv, type StepRecord, stepsCsv } from "../report/mod.ts";
import { flattenConfig } from "../report/comparison.ts";
import { smooth, thin } from "../report/_charts.ts";
import { Rng } from "../data/mod.ts";

const step = (n: number): StepRecord => ({
  step: n,
  epoch: 1 + Math.floor((n - 1) / 4),
  batch: 1 + (n - 1) % 4,
  batches: 4,
  loss: 2.302585 / n,
  accuracy: n / 10,
  imagesPerSecond: 400 + n,
  lr: { features: 0.001 * n, classifier: 0.01 },
});

Deno.test("steps.csv keeps each step's loss, accuracy, images/s and every group's rate", () => {
  const rows = [1, 2, 3].map(step);
  const text = stepsCsv(rows, true);
  assert.equal(
    text.split("\n")[0],
    "step,epoch,batch,batches,loss,accuracy,images_per_second,lr:features,lr:classifier",
  );
  assert.equal(text.split("\n")[2], "2,1,2,4,1.15129,0.2,402,0.002,0.01");
  const back = parseStepsCsv(text);
  assert.equal(back.length, 3);
  assert.deepEqual(back[2]!.lr, { features: 0.003, classifier: 0.01 });
  assert.equal(back[0]!.loss, 2.30259);
});

Deno.test("steps.csv appended without a header reads as one table", () => {
  const text = stepsCsv([step(1)], true) + stepsCsv([step(2), step(3)], false);
  assert.deepEqual(parseStepsCsv(text).map((s) => s.step), [1, 2, 3]);
});

Deno.test("a steps.csv cut short by a kill skips the broken last line", () => {
  const text = stepsCsv([step(1), step(2)], true);
  assert.deepEqual(parseStepsCsv(text.slice(0, -6)).map((s) => s.step), [1]);
});

Deno.test("parseStepsCsv never throws on random text and returns only whole rows (fuzz)", () => {
  const rng = new Rng(7);
  const alphabet = "0123456789.,-e\nabc:lr";
  const valid = stepsCsv([1, 2, 3, 4].map(step), true);
  for (let i = 0; i < 500; i++) {
    let text = "";
    if (i % 2) {
      // Mutate a valid file.
      const chars = [...valid];
      for (let k = 0; k < 5; k++) {
        chars[rng.int(chars.length)] = alphabet[rng.int(alphabet.length)]!;
      }
      text = chars.join("");
    } else {
      for (let k = rng.int(200); k > 0; k--) text += alphabet[rng.int(alphabet.length)];
    }
    const rows = parseStepsCsv(text);
    assert.ok(rows.length <= text.split("\n").length - 1);
    for (const r of rows) {
      for (const v of [r.step, r.epoch, r.loss, r.accuracy, ...Object.values(r.lr)]) {
        assert.ok(!Number.isNaN(v), `NaN parsed from ${JSON.stringify(text)}`);
      }
    }
  }
});

Deno.test("metrics.csv has one row per epoch and empty cells where validation is absent", () => {
  const csv = metricsCsv([
    {
      epoch: 1,
      epochs: 2,
      step: 4,
      loss: 1.5,
      accuracy: 0.4,
      valLoss: 1.25,
      valAccuracy: 0.5,
      valTop5: 0.9,
      lr: { head: 0.01 },
      imagesPerSecond: 300.25,
      dataWaitMs: 12,
      elapsedMs: 1000,
      totalElapsedMs: 1000,
    },
    {
      epoch: 2,
      epochs: 2,
      step: 8,
      loss: 1.25,
      accuracy: 0.5,
      lr: { head: 0.005 },
      imagesPerSecond: 310,
      dataWaitMs: 0,
      elapsedMs: 900,
      totalElapsedMs: 1900,
    },
  ]);
  assert.deepEqual(csv.trim().split("\n"), [
    "epoch,step,loss,accuracy,valLoss,valAccuracy,valTop5,imagesPerSecond,dataWaitMs,elapsedMs,totalElapsedMs,lr:head",
    "1,4,1.5,0.4,1.25,0.5,0.9,300.25,12,1000,1000,0.01",
    "2,8,1.25,0.5,,,,310,0,900,1900,0.005",
  ]);
});

Deno.test("smoothing is bias-corrected and thinning keeps the first and last points", () => {
  assert.deepEqual(smooth([2, 2, 2]).map((v) => Number(v.toFixed(6))), [2, 2, 2]);
  const t = thin(Array.from({ length: 1000 }, (_, i) => i), 100);
  assert.equal(t.length, 100);
  assert.equal(t[0], 0);
  assert.equal(t[99], 999);
});

Deno.test("a config flattens to dotted keys for the side-by-side table", () => {
  const flat = flattenConfig({
    train: { optimizer: { type: "sgd", lr: 0.1 } },
    model: { inputShape: [32, 32, 3] },
  });
  assert.deepEqual([...flat], [
    ["train.optimizer.type", '"sgd"'],
    ["train.optimizer.lr", "0.1"],
    ["model.inputShape", "[32,32,3]"],
  ]);
});
