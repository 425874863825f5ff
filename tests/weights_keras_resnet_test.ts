import assert from "node:assert/strict";
import { readKerasH5 } from "../weights/mod.ts";
import { isKerasResnet, kerasResnetPath, kerasResnetWeights } from "../weights/_keras_resnet.ts";
import { FIXTURES } from "./_weights_fixtures.ts";

const layers = await readKerasH5(await Deno.readFile(`${FIXTURES}resnet_keras_tiny.h5`));

Deno.test("Keras Applications' ResNet layer names map to torchvision's paths", () => {
  assert.equal(kerasResnetPath("conv1_conv"), "conv1");
  assert.equal(kerasResnetPath("conv1_bn"), "bn1");
  assert.equal(kerasResnetPath("conv2_block1_1_conv"), "layer1.0.conv1");
  assert.equal(kerasResnetPath("conv3_block4_3_bn"), "layer2.3.bn3");
  assert.equal(kerasResnetPath("conv4_block1_0_conv"), "layer3.0.downsample.0");
  assert.equal(kerasResnetPath("conv5_block1_0_bn"), "layer4.0.downsample.1");
  assert.equal(kerasResnetPath("predictions"), "fc");
  assert.equal(kerasResnetPath("conv6_block1_1_conv"), undefined);
  assert.equal(kerasResnetPath("block1_conv1"), undefined);
});

Deno.test("a Keras ResNet file is recognised by its names, a Keras VGG file is not", async () => {
  assert.ok(isKerasResnet(layers));
  const vgg = await readKerasH5(await Deno.readFile(`${FIXTURES}vgg_tiny.h5`));
  assert.ok(!isKerasResnet(vgg));
});

Deno.test("Keras' shortcut convolution, listed between the block's second and third, lands on downsample.0", () => {
  const { mapping } = kerasResnetWeights(layers, () => false);
  const order = mapping.map((m) => m.layer).filter((l) => l.startsWith("conv2_block1_"));
  assert.deepEqual(order, [
    "conv2_block1_1_conv",
    "conv2_block1_1_bn",
    "conv2_block1_2_conv",
    "conv2_block1_2_bn",
    "conv2_block1_0_conv",
    "conv2_block1_3_conv",
    "conv2_block1_0_bn",
    "conv2_block1_3_bn",
  ]);
  const at = new Map(mapping.map((m) => [m.layer, m.path]));
  assert.equal(at.get("conv2_block1_0_conv"), "layer1.0.downsample.0");
  assert.equal(at.get("conv2_block1_3_conv"), "layer1.0.conv3");
  // 1 stem conv + 5 blocks × 3 + 4 shortcuts, each with its BatchNorm, and the dense head.
  assert.equal(mapping.length, 2 * (1 + 5 * 3 + 4) + 1);
});

Deno.test("convolution biases without a place in the spec fold into the next BatchNorm's moving mean", () => {
  const folded = kerasResnetWeights(layers, () => false);
  const kept = kerasResnetWeights(layers, () => true);
  assert.equal(folded.folded.length, 1 + 5 * 3 + 4);
  assert.equal(kept.folded.length, 0);
  assert.equal(folded.weights.has("layer2.0.conv1/bias"), false);
  assert.deepEqual(kept.weights.get("layer2.0.conv1/bias")?.shape, [8]);
  const bias = kept.weights.get("layer2.0.conv1/bias")!.data;
  const mean = kept.weights.get("layer2.0.bn1/moving_mean")!.data;
  const shifted = folded.weights.get("layer2.0.bn1/moving_mean")!.data;
  assert.ok(bias.some((b) => Math.abs(b) > 0.01), "the fixture's biases are not zero");
  shifted.forEach((m, i) => assert.ok(Math.abs(m - (mean[i]! - bias[i]!)) < 1e-7));
  // The shortcut's bias goes to the shortcut's BatchNorm, the stem's to bn1.
  const dsMean = kept.weights.get("layer1.0.downsample.1/moving_mean")!.data;
  const dsBias = kept.weights.get("layer1.0.downsample.0/bias")!.data;
  folded.weights.get("layer1.0.downsample.1/moving_mean")!.data.forEach((m, i) =>
    assert.ok(Math.abs(m - (dsMean[i]! - dsBias[i]!)) < 1e-7)
  );
  assert.ok(folded.folded.includes("conv1"));
  assert.deepEqual(folded.weights.get("fc/bias")?.shape, [10]);
});
