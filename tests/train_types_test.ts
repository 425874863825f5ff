// The training settings' types and their zod schemas reject the same inputs.
import assert from "node:assert/strict";
import type { EarlyStoppingOptions, OptimizerConfig, Schedule } from "../train/mod.ts";
import { earlyStoppingSchema, optimizerSchema, scheduleSchema } from "../train/_schemas.ts";

Deno.test("a wrong optimizer, schedule or early-stopping setting fails both the compiler and the schema", () => {
  // @ts-expect-error epsilon belongs to adam and adamw, not sgd
  const sgd: OptimizerConfig = { type: "sgd", lr: 0.1, epsilon: 1e-8 };
  // @ts-expect-error a step schedule needs its stepSize
  const step: Schedule = { type: "step", gamma: 0.5 };
  // @ts-expect-error valAcc is not a metric (valAccuracy is)
  const es: EarlyStoppingOptions = { monitor: "valAcc" };
  assert.equal(optimizerSchema.safeParse(sgd).success, false);
  assert.equal(scheduleSchema.safeParse(step).success, false);
  assert.equal(earlyStoppingSchema.safeParse(es).success, false);

  const adam: OptimizerConfig = { type: "adam", lr: { features: 0, "*": 1e-3 }, epsilon: 0 };
  assert.deepEqual(optimizerSchema.parse(adam), adam);
  assert.deepEqual(earlyStoppingSchema.parse({ patience: 2 }), {
    monitor: "valLoss",
    patience: 2,
    minDelta: 0,
    restoreBestWeights: true,
  });
});
