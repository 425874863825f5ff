import assert from "node:assert/strict";
import { smallVgg } from "../dsl/mod.ts";
import { parseConfig, specFrom } from "../pipelines/_config.ts";

Deno.test("smallVgg() is 32-32-64-64-128 convolutions and a 128-unit classifier", () => {
  const s = smallVgg().summary();
  assert.equal(s.total, 402_986);
  const spec = smallVgg();
  assert.deepEqual(spec.nodes.filter((n) => n.op === "conv2d").map((n) => n.config.filters), [
    32,
    32,
    64,
    64,
    128,
  ]);
  assert.equal(spec.nodes.at(-1)!.path, "classifier.3");
});

Deno.test("smallVgg() takes BatchNorm, dropout and a class count", () => {
  const spec = smallVgg({ batchNorm: true, dropout: 0.3, classes: 5 });
  assert.equal(spec.name, "small_vgg_bn");
  assert.equal(spec.nodes.filter((n) => n.op === "batchNorm").length, 5);
  assert.equal(spec.nodes.find((n) => n.op === "dropout")!.config.rate, 0.3);
  const head = spec.nodes.at(-1)!;
  assert.equal(head.op === "dense" && head.config.units, 5);
  spec.freeze("features");
  // @ts-expect-error: a small VGG has no group "featurs"
  assert.throws(() => spec.freeze("featurs"));
});

Deno.test("pipelines/cifar10_small.yaml trains the DSL's small VGG", async () => {
  const file = new URL("../pipelines/cifar10_small.yaml", import.meta.url);
  const { config, locator } = parseConfig(await Deno.readTextFile(file), "cifar10_small.yaml");
  const spec = specFrom(config, locator, "cifar10_small.yaml");
  assert.deepEqual(spec.toJSON().nodes, smallVgg().toJSON().nodes);
});
