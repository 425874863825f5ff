import assert from "node:assert/strict";
import { consoleLogger, type EpochEndEvent, type TrainContext } from "../train/mod.ts";

function epochLine(imagesPerSecond: number): string {
  const lines: string[] = [];
  const logger = consoleLogger({ write: (t) => void lines.push(t), progress: false });
  const event: EpochEndEvent = {
    epoch: 1,
    epochs: 2,
    step: 4,
    loss: 2.30761,
    accuracy: 0.0859,
    valLoss: 2.3071,
    valAccuracy: 0.1094,
    valTop5: 0.5313,
    lr: { features: 0.002 },
    imagesPerSecond,
    dataWaitMs: 0,
    elapsedMs: 452_100,
    totalElapsedMs: 452_100,
  };
  logger.onEpochEnd?.(event, {} as TrainContext); // the logger reads no context
  return lines.join("");
}

Deno.test("the epoch line shows loss, accuracies, learning rates, images/s and seconds", () => {
  assert.equal(
    epochLine(23.4),
    "epoch 1/2 loss 2.3076 acc 8.59% | val loss 2.3071 acc 10.94% top-5 53.13% | " +
      "lr features 2.00e-3 | 23 img/s | 452.1 s\n",
  );
});

Deno.test("a slow backend's images/s keeps two significant digits instead of showing 0", () => {
  assert.match(epochLine(0.283), / \| 0\.28 img\/s \| /);
  assert.match(epochLine(9.96), / \| 10 img\/s \| /);
});
