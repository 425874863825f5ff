import assert from "node:assert/strict";
import { fit, quadrants, tinySpec } from "./_train_fixtures.ts";

Deno.test("training on the cpu backend lets timers and signal handlers run between steps", async () => {
  let step = 0;
  let firedAt: number | undefined;
  const started = performance.now();
  const result = await fit(tinySpec(), {
    train: quadrants(512),
    epochs: 3,
    batchSize: 8,
    callbacks: [{
      onTrainBegin() {
        setTimeout(() => firedAt = step, 0);
      },
      onBatchEnd(e) {
        step = e.step;
        while (performance.now() - started < e.step * 5) { /* a step of at least 5 ms */ }
      },
    }],
  });
  assert.equal(result.step, 192);
  // A timer set at the start runs within the first 50 ms or so, not after the last step.
  assert.ok(firedAt !== undefined && firedAt < 40, `the timer ran at step ${firedAt}`);
});
