// ResNet weights from PyTorch (torchvision names) and Keras (Applications' ResNet50 layout) give
// the framework's own logits; fixtures from tools/make_fixtures.py.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { resnet, type ResnetArchitecture } from "../dsl/mod.ts";
import { decodeSafetensors, loadWeights } from "../weights/mod.ts";
import { FIXTURES, predict, relativeError } from "./_weights_fixtures.ts";

await useBackend("cpu", { quiet: true });

const io = decodeSafetensors(Deno.readFileSync(`${FIXTURES}resnet_tiny_io.safetensors`)).tensors;
const nhwc = (name: string) => {
  const t = io[name]!;
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1])
  );
};

const CASES: Record<string, { arch: ResnetArchitecture; input: string; ext: string }> = {
  resnet_basic_tiny: {
    arch: { block: "basic", blocks: [2, 1, 1, 1], width: 8, inputShape: [64, 64, 3] },
    input: "input64",
    ext: "safetensors",
  },
  resnet_bottleneck_tiny: {
    arch: { block: "bottleneck", blocks: [1, 2, 1, 1], width: 4, inputShape: [64, 64, 3] },
    input: "input64",
    ext: "safetensors",
  },
  resnet_cifar_tiny: {
    arch: {
      block: "basic",
      blocks: [1, 1, 1, 1],
      width: 8,
      inputShape: [32, 32, 3],
      cifarStem: true,
    },
    input: "input32",
    ext: "safetensors",
  },
  resnet_keras_tiny: {
    arch: {
      block: "bottleneck",
      blocks: [1, 2, 1, 1],
      width: 4,
      inputShape: [64, 64, 3],
      variant: "v1",
    },
    input: "input64",
    ext: "h5",
  },
};

for (const [name, { arch, input, ext }] of Object.entries(CASES)) {
  Deno.test(`${name}.${ext} gives the framework's logits to 1e-4, BatchNorm statistics included`, async () => {
    const spec = resnet({ ...arch, classes: 10, name });
    const model = build(spec, { seed: 3 });
    const x = nhwc(input);
    const expected = io[`logits_${name}`]!.data;
    assert.ok(relativeError(predict(model, x), expected) > 0.1, "a fresh model differs");
    const report = await loadWeights(model, spec, `${FIXTURES}${name}.${ext}`);
    assert.equal(report.format, ext === "h5" ? "keras-h5" : "torch");
    const weighted = spec.nodes.filter((n) => ["conv2d", "batchNorm", "dense"].includes(n.op));
    assert.equal(report.loaded.length, weighted.length);
    assert.deepEqual(report.unused.filter((k) => !k.endsWith("num_batches_tracked")), []);
    const err = relativeError(predict(model, x), expected);
    assert.ok(err < 1e-4, `relative error ${err}`);
    if (Deno.env.get("GRAFT_VERBOSE")) console.log(`${name}.${ext}: relative error ${err}`);
    tf.dispose(x);
  });
}

Deno.test("the BatchNorm moving statistics come from the file (running_mean, running_var)", async () => {
  const spec = resnet({ ...CASES.resnet_basic_tiny!.arch, classes: 10 });
  const model = build(spec, { seed: 1 });
  await loadWeights(model, spec, `${FIXTURES}resnet_basic_tiny.safetensors`);
  const file = decodeSafetensors(Deno.readFileSync(`${FIXTURES}resnet_basic_tiny.safetensors`));
  const layer = model.getLayer("layer2.0.downsample.1");
  const byName = new Map(layer.weights.map((w) => [w.originalName.split("/").pop(), w]));
  for (
    const [graft, torch] of [["moving_mean", "running_mean"], ["moving_variance", "running_var"]]
  ) {
    const got = byName.get(graft)!.read().dataSync();
    const want = file.tensors[`layer2.0.downsample.1.${torch}`]!.data;
    assert.deepEqual([...got], [...want]);
  }
});
