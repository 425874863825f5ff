import assert from "node:assert/strict";
import { consoleLogger } from "../train/mod.ts";
import type {
  BatchEndEvent,
  Callback,
  TrainBeginEvent,
  TrainContext,
  ValidationBatchEndEvent,
} from "../train/mod.ts";
import { clock, progressLine, type ProgressState } from "../train/_progress_line.ts";
import { Rng } from "../data/mod.ts";

const ctx = {} as TrainContext;

const state: ProgressState = {
  phase: "train",
  epoch: 3,
  epochs: 10,
  done: 120,
  total: 782,
  loss: 1.23456,
  accuracy: 0.543,
  imagesPerSecond: 412.3,
  elapsedMs: 32_000,
  etaMs: 105_000,
  runElapsedMs: 723_000,
  runEtaMs: 3_731_000,
};

Deno.test("a wide progress line shows running loss, accuracy, images/s, epoch and run ETA", () => {
  assert.equal(
    progressLine(state, 160),
    "epoch 3/10 [=====-------------------------] 120/782 loss 1.2346 acc 54.3% 412 img/s " +
      "0:32<1:45 run 12:03<1:02:11",
  );
});

Deno.test("at 60 columns the line keeps the bar, loss and epoch ETA and fits", () => {
  const line = progressLine(state, 59);
  assert.ok(line.length <= 59, line);
  assert.match(line, /^epoch 3\/10 \[=+-+\] 120\/782 loss 1\.2346 0:32<1:45$/);
});

Deno.test("the validation phase has its own line", () => {
  const { loss: _l, accuracy: _a, imagesPerSecond: _i, ...rest } = state;
  const line = progressLine(
    { ...rest, phase: "validate", done: 2048, total: 5000, elapsedMs: 5000, etaMs: 7000 },
    80,
  );
  assert.match(line, /^epoch 3\/10 val \[=+-+\] 2048\/5000 0:05<0:07 run 12:03<1:02:11$/);
});

Deno.test("no progress line is ever wider than the terminal (fuzz over widths and values)", () => {
  const rng = new Rng(3);
  for (let i = 0; i < 2000; i++) {
    const width = 5 + rng.int(200);
    const s: ProgressState = {
      ...state,
      epoch: 1 + rng.int(1000),
      epochs: 1000,
      done: rng.int(100_000),
      total: 100_000,
      loss: rng.next() * 10 ** rng.int(6),
      imagesPerSecond: rng.next() * 1e5,
      etaMs: rng.next() * 1e9,
      runEtaMs: rng.int(3) === 0 ? Infinity : rng.next() * 1e10,
    };
    assert.ok(progressLine(s, width).length <= width, `${width}: ${progressLine(s, width)}`);
  }
});

Deno.test("clock prints m:ss and h:mm:ss, and a dash for unknown times", () => {
  assert.equal(clock(65_000), "1:05");
  assert.equal(clock(3_725_000), "1:02:05");
  assert.equal(clock(NaN), "-:--");
});

const begin: TrainBeginEvent = {
  startEpoch: 1,
  epochs: 2,
  stepsPerEpoch: 4,
  totalSteps: 8,
  trainSize: 16,
  validationSize: 8,
  batchSize: 4,
  trainableParams: 10,
  frozenParams: 0,
  lr: { head: 0.01 },
};

const batch = (b: number, elapsedMs: number): BatchEndEvent => ({
  epoch: 1,
  batch: b,
  batches: 4,
  step: b,
  size: 4,
  loss: b,
  accuracy: 0.25,
  lr: { head: 0.01 },
  imagesPerSecond: 100,
  elapsedMs,
});

async function drive(cb: Callback, tick: (ms: number) => void): Promise<void> {
  await cb.onTrainBegin!(begin, ctx);
  await cb.onEpochBegin!({ epoch: 1, epochs: 2, step: 0, lr: { head: 0.01 } }, ctx);
  for (let b = 1; b <= 4; b++) {
    tick(20_000);
    await cb.onBatchEnd!(batch(b, b * 20_000), ctx);
  }
  for (const done of [4, 8]) {
    tick(20_000);
    const e: ValidationBatchEndEvent = { epoch: 1, done, total: 8, elapsedMs: done * 5000 };
    cb.onValidationBatchEnd!(e, ctx);
  }
  await cb.onEpochEnd!({
    epoch: 1,
    epochs: 2,
    step: 4,
    loss: 2.5,
    accuracy: 0.25,
    valLoss: 2,
    valAccuracy: 0.5,
    valTop5: 1,
    lr: { head: 0.01 },
    imagesPerSecond: 100,
    dataWaitMs: 0,
    elapsedMs: 120_000,
    totalElapsedMs: 120_000,
  }, ctx);
}

Deno.test("off a terminal, one plain progress line is written every 30 s with running means", async () => {
  let now = 0;
  const lines: string[] = [];
  const cb = consoleLogger({ write: (t) => lines.push(t), progress: false, now: () => now });
  await drive(cb, (ms) => (now += ms));
  const progress = lines.filter((l) => l.startsWith("epoch 1/2 ") && l.includes("<"));
  // 6 events 20 s apart: lines at 40, 80 and 120 s.
  assert.equal(progress.length, 3, lines.join(""));
  assert.match(progress[0]!, /2\/4 loss 1\.5000 acc 25\.0% /); // mean of losses 1 and 2
  assert.match(progress[2]!, /^epoch 1\/2 val \[/);
  assert.ok(lines.every((l) => !l.includes("\r") && !l.includes("\x1b")));
  assert.match(
    lines[lines.length - 1]!,
    /^epoch 1\/2 loss 2\.5000 acc 25\.00% \| val loss 2\.0000/,
  );
});

Deno.test("on a 60-column terminal the bar redraws in place and no line is wider than 60", async () => {
  let out = "";
  const cb = consoleLogger({ write: (t) => void (out += t), progress: true, columns: () => 60 });
  await drive(cb, () => {});
  assert.ok(out.includes("epoch 1/2 ["), out);
  assert.ok(out.includes("epoch 1/2 val ["), out);
  // Redraws move the cursor back to column 0 instead of starting new lines.
  const newlines = out.split("\n").length - 1;
  assert.equal(newlines, 2, JSON.stringify(out)); // the start line and the epoch line
  // deno-lint-ignore no-control-regex
  const visible = out.split(/\r|\n|\x1b\[[0-9;]*[A-Za-z?]|\x1b\[\?[0-9]+[hl]|\x1b[78]/);
  const bars = visible.filter((p) => /^epoch 1\/2 (val )?\[/.test(p));
  assert.ok(bars.length >= 2);
  for (const bar of bars) assert.ok(bar.length < 60, JSON.stringify(bar));
});
