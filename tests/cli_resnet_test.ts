import assert from "node:assert/strict";
import { ConfigError, parseConfig, specFrom } from "../pipelines/_config.ts";
import { applyFlags, parseFlags } from "../pipelines/_flags.ts";
import { cli, writeConfig } from "./_cli.ts";

const spec = (yaml: string) => {
  const { config, locator } = parseConfig(yaml, "test.yaml");
  return specFrom(config, locator, "test.yaml");
};

Deno.test("the shipped ResNet-18 config builds torchvision's resnet18 with the CIFAR stem", async () => {
  const text = await Deno.readTextFile(
    new URL("../pipelines/cifar10_resnet18.yaml", import.meta.url),
  );
  const s = spec(text);
  assert.equal(s.name, "resnet18");
  assert.equal(s.summary().total, 11_173_962);
  assert.equal(s.paths.includes("maxpool"), false);
  assert.deepEqual(s.shapes().get("fc"), [10]);
});

Deno.test("base: resnet50 takes the zoo's options and the edits work on its paths", () => {
  const s = spec(`model:
  base: resnet50
  variant: v1
  edits:
    - replaceHead: 10
    - freeze: layer1
`);
  assert.equal(s.name, "resnet50");
  assert.equal(s.node("layer1.0.conv1")?.trainable, false);
  assert.deepEqual((s.node("layer2.0.conv1")?.config as { strides: number[] }).strides, [2, 2]);
  assert.deepEqual(s.shapes().get("fc"), [10]);
});

Deno.test("ResNet-only and VGG-only keys are refused on the other family, with their lines", () => {
  assert.throws(
    () => spec("model:\n  base: vgg11\n  cifarStem: true\n"),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(
        e.message,
        /model\.cifarStem \(line 3\): is only read with resnet18\.\.resnet152/,
      );
      return true;
    },
  );
  assert.throws(
    () => spec("model:\n  base: resnet18\n  batchNorm: true\n"),
    /model\.batchNorm \(line 3\): is only read with vgg11\.\.vgg19 \(ResNets always have it\)/,
  );
  assert.throws(
    () => spec("model:\n  base: resnet18\n  edits:\n    - freeze: layer5\n"),
    /model\.edits\[0\]\.freeze \(line 4\): .*layer5/,
  );
  assert.throws(
    () => spec("model:\n  base: resnet50\n  variant: v1\n  weights: imagenet\n"),
    /imagenet weights are v1\.5/,
  );
});

Deno.test("--model resnet18 swaps the base and names the run after it", async () => {
  const text = await Deno.readTextFile(
    new URL("../pipelines/cifar10_resnet18.yaml", import.meta.url),
  );
  const { config } = parseConfig(text, "cifar10_resnet18.yaml");
  const c = applyFlags(config, parseFlags(["--model", "resnet34"]).values);
  assert.equal(c.model.base, "resnet34");
  assert.equal(c.name, "cifar10_resnet34");
  const bad = await cli(["--config", await writeConfig(text), "--model", "resnet19"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--model: expected one of .*resnet18, resnet34, resnet50/);
});
