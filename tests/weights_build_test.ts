import assert from "node:assert/strict";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { fromJSON, vgg16 } from "../dsl/mod.ts";
import { buildWithWeights, loadWeights, WeightsError } from "../weights/mod.ts";
import { fixtureIo, FIXTURES, predict, relativeError, tinyVgg } from "./_weights_fixtures.ts";

await useBackend("cpu", { quiet: true });

Deno.test("vgg16({ weights }) records the weights in the spec, through edits and JSON", () => {
  const spec = vgg16({ weights: "imagenet", inputShape: [32, 32, 3] }).replaceHead(10).drop(2)
    .freeze("features");
  assert.equal(spec.weights, "imagenet");
  assert.equal(fromJSON(JSON.stringify(spec)).weights, "imagenet");
  assert.equal(vgg16().weights, undefined);
  assert.equal("weights" in vgg16().toJSON(), false);
});

Deno.test("build() refuses a spec with pretrained weights instead of silently ignoring them", () => {
  const spec = vgg16({ weights: "imagenet", inputShape: [32, 32, 3] });
  assert.throws(() => build(spec), /use await buildWithWeights\(spec\)/);
});

Deno.test("buildWithWeights() loads the file a spec names and matches PyTorch's logits", async () => {
  const io = fixtureIo();
  const file = `${FIXTURES}vgg_tiny.safetensors`;
  const spec = fromJSON({ ...tinyVgg(false).toJSON(), weights: file });
  const { model, report } = await buildWithWeights(spec, { seed: 3 });
  assert.ok(report && report.loaded.length > 0);
  const direct = build(tinyVgg(false), { seed: 9 });
  await loadWeights(direct, tinyVgg(false), file);
  const [a, b] = [predict(model, io.input), predict(direct, io.input)];
  assert.ok(relativeError(a, b) === 0, "same file, same weights");
  assert.ok(relativeError(a, io.logits["vgg_tiny"]!) < 1e-4);
});

Deno.test("buildWithWeights() offline with an empty cache says which file is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = vgg16({ weights: "imagenet", inputShape: [32, 32, 3] }).replaceHead(10);
    await assert.rejects(
      buildWithWeights(spec, { cacheDir: dir, offline: true }),
      (e) => e instanceof WeightsError && /vgg16\.tv_in1k/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
