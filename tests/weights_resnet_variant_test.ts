// ResNet v1 and v1.5 weights fit each other's specs shape for shape; where the variant of the
// weights is known, loading them into the other variant is refused by name.
import assert from "node:assert/strict";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { resnet, type ResnetArchitecture } from "../dsl/mod.ts";
import { loadWeights, saveCheckpoint, WeightsError } from "../weights/mod.ts";
import { resnetVariant } from "../weights/_resnet_variant.ts";
import { FIXTURES } from "./_weights_fixtures.ts";

await useBackend("cpu", { quiet: true });

// The architecture of tests/fixtures/resnet_keras_tiny.h5 (Keras Applications' layout).
const tiny = (variant?: "v1" | "v1.5") => {
  const arch: ResnetArchitecture = {
    block: "bottleneck",
    blocks: [1, 2, 1, 1],
    width: 4,
    inputShape: [64, 64, 3],
    ...(variant ? { variant } : {}),
  };
  return resnet({ ...arch, classes: 10, name: "tiny" });
};

Deno.test("a spec's ResNet variant is read off where its bottleneck stages stride", () => {
  assert.equal(resnetVariant(tiny()), "v1.5");
  assert.equal(resnetVariant(tiny("v1")), "v1");
  assert.equal(
    resnetVariant(resnet({ block: "basic", blocks: [1, 1, 1, 1], classes: 10 })),
    undefined,
  );
});

Deno.test("a Keras Applications ResNet file (v1) into a v1.5 spec is refused, naming both variants", async () => {
  const file = `${FIXTURES}resnet_keras_tiny.h5`;
  const spec = tiny();
  await assert.rejects(loadWeights(build(spec, { seed: 0 }), spec, file), (e: unknown) => {
    assert.ok(e instanceof WeightsError);
    assert.equal(
      e.message,
      `Cannot load weights: ${file}: the file, a Keras Applications ResNet, is ResNet variant v1 ` +
        "(stride 2 on the first block's 1×1 conv1 of layer2-4) and the spec tiny is variant v1.5 " +
        "(stride 2 on the first block's 3×3 conv2 of layer2-4): the weights would load and " +
        'compute another network; build the spec with variant: "v1"',
    );
    return true;
  });
  const v1 = tiny("v1");
  const report = await loadWeights(build(v1, { seed: 0 }), v1, file);
  assert.equal(report.format, "keras-h5");
});

Deno.test("a checkpoint of one ResNet variant into a spec of the other is refused; the same variant loads", async () => {
  const dir = await Deno.makeTempDir();
  const v1 = tiny("v1");
  await saveCheckpoint(`${dir}/v1.safetensors`, build(v1, { seed: 0 }), v1);
  const spec = tiny();
  await assert.rejects(
    loadWeights(build(spec, { seed: 0 }), spec, `${dir}/v1.safetensors`),
    /the checkpoint's spec tiny is ResNet variant v1 .* and the spec tiny is variant v1\.5 /,
  );
  const again = await loadWeights(build(v1, { seed: 1 }), v1, `${dir}/v1.safetensors`);
  assert.equal(again.format, "graft");
});
