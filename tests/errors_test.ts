import assert from "node:assert/strict";
import { describeProblem, GraftError, problemOf } from "../errors/mod.ts";
import { ShapeError, SpecError, vgg16 } from "../dsl/mod.ts";
import { DataError } from "../data/mod.ts";
import { TrainError } from "../train/mod.ts";
import { WeightsError } from "../weights/mod.ts";
import { ConfigError } from "../pipelines/_config.ts";

Deno.test("every error family a user can cause is a GraftError with structured problems", () => {
  const errors: GraftError[] = [
    new SpecError([{
      step: "step 2 drop(x)",
      path: "x",
      expected: "an existing path",
      received: "x",
    }]),
    new ShapeError([{ step: "step 1 vgg16()", path: "a", expected: "[1]", received: "[2]" }]),
    new DataError([{ file: "data_batch_1.bin", offset: 30730, message: "is truncated" }]),
    new TrainError("Cannot train", ["epochs must be an integer >= 1, got 0"]),
    new WeightsError("Cannot read safetensors file", "w.safetensors", ["is empty"]),
    new ConfigError("c.yaml", [{
      key: "train.epochs",
      line: 4,
      message: "expected a number, got x",
    }]),
  ];
  for (const e of errors) {
    assert.ok(e instanceof GraftError, e.name);
    assert.equal(e.exitCode, 2, e.name);
    assert.equal(e.problems.length, 1, e.name);
    assert.match(e.message, /^[A-Z][^\n]*[^.]$/, `${e.name}: ${e.message}`);
  }
  assert.deepEqual(errors[2]!.problems[0], {
    step: "Cannot read CIFAR-10 data",
    path: "data_batch_1.bin at byte 30730",
    expected: "",
    received: "is truncated",
  });
  assert.deepEqual(errors[5]!.problems[0], {
    step: "read config c.yaml",
    path: "train.epochs (line 4)",
    expected: "a number",
    received: "x",
  });
});

Deno.test("a run that fails after starting exits 1, bad input exits 2", () => {
  assert.equal(new TrainError("Training stopped", ["the loss is NaN"], 1).exitCode, 1);
  assert.equal(new GraftError("Bad", []).exitCode, 2);
});

Deno.test("a spec edit that matches nothing throws a GraftError naming the path", () => {
  assert.throws(
    () => vgg16().freeze("featurs" as never),
    (e: unknown) => e instanceof GraftError && e.problems[0]?.path === "featurs",
  );
});

Deno.test("problemOf splits 'expected X, received Y' and keeps any other message whole", () => {
  assert.deepEqual(problemOf("s", "p", "expected an integer >= 1, got 0"), {
    step: "s",
    path: "p",
    expected: "an integer >= 1",
    received: "0",
  });
  assert.deepEqual(problemOf("s", "p", "is truncated"), {
    step: "s",
    path: "p",
    expected: "",
    received: "is truncated",
  });
  assert.equal(
    describeProblem({ step: "s", path: "epochs", expected: "an integer", received: "0" }),
    "epochs: expected an integer, received 0",
  );
  assert.equal(describeProblem(problemOf("s", "", "is empty")), "is empty");
});
