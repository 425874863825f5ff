import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import {
  adaptiveAvgPool2d,
  batchNorm,
  conv2d,
  dense,
  flatten,
  maxPool2d,
  relu,
  sequential,
} from "../dsl/mod.ts";
import {
  applyWeights,
  collectWeights,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeSafetensors,
  exportTfjs,
  loadWeights,
  readCheckpoint,
  saveCheckpoint,
  WeightsError,
} from "../weights/mod.ts";
import { fixtureIo, FIXTURES, predict, relativeError, tinyVgg } from "./_weights_fixtures.ts";

await useBackend("cpu", { quiet: true });
const io = fixtureIo();

/** Loads a TensorFlow.js layers model from disk as a browser would from HTTP. */
function fileLoader(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`)) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const parts = await Promise.all(
          manifest.flatMap((g) => g.paths).map((p) => Deno.readFile(`${dir}/${p}`)),
        );
        const total = parts.reduce((n, p) => n + p.length, 0);
        const data = new Uint8Array(total);
        let offset = 0;
        for (const p of parts) {
          data.set(p, offset);
          offset += p.length;
        }
        return [specs, data.buffer];
      });
    },
  };
}

Deno.test("a checkpoint round-trips weights and spec, and loads into a spec built in code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = tinyVgg(true);
    const model = build(spec, { seed: 1 });
    await loadWeights(model, spec, `${FIXTURES}vgg_tiny_bn.safetensors`);
    const file = `${dir}/pretrained.safetensors`;
    await saveCheckpoint(file, model, spec, { metadata: { epoch: "3" } });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["pretrained.safetensors"]);

    const ckpt = await readCheckpoint(file);
    assert.deepEqual(ckpt.spec.toJSON(), spec.toJSON());
    assert.deepEqual(ckpt.metadata, { epoch: "3" });
    assert.equal(ckpt.training, undefined);
    assert.equal(ckpt.weights.size, 3 * 2 + 3 * 4 + 3 * 2);
    const again = build(ckpt.spec, { seed: 99 });
    applyWeights(again, ckpt.spec, ckpt.weights, "ckpt");
    assert.ok(relativeError(predict(again, io.input), io.logits.vgg_tiny_bn!) < 1e-4);

    // Into a spec built in code with a new head: by path, the head stays fresh.
    const edited = tinyVgg(true).replaceHead(3).freeze("features");
    const fine = build(edited, { seed: 2 });
    const report = await loadWeights(fine, edited, file);
    assert.equal(report.format, "graft");
    assert.deepEqual(report.replaced, ["classifier.6"]);
    const before = await collectWeights(model, spec);
    const after = await collectWeights(fine, edited);
    assert.deepEqual(
      after.get("features.1/moving_variance"),
      before.get("features.1/moving_variance"),
    );
    assert.notDeepEqual(
      after.get("classifier.6/bias")?.shape,
      before.get("classifier.6/bias")?.shape,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkpoint names its file and what is wrong: missing, garbled, non-finite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(readCheckpoint(dir), (e: unknown) => {
      assert.ok(e instanceof WeightsError);
      assert.equal(
        e.message,
        `Cannot read checkpoint: ${dir}: not a checkpoint file, and it holds no last.safetensors ` +
          "or checkpoints/last.safetensors",
      );
      return true;
    });
    const spec = tinyVgg(false);
    const weights = new Map([["classifier.6/bias", { shape: [2], data: new Float32Array(2) }]]);
    const good = encodeCheckpoint({ spec, weights, metadata: {} });
    assert.equal(decodeCheckpoint(good).weights.size, 1);
    const garbled = encodeSafetensors({}, { format: "graft.checkpoint/v2", "graft.spec": "{{" });
    assert.throws(
      () => decodeCheckpoint(garbled, "garbled.safetensors"),
      /^WeightsError: Cannot read checkpoint: garbled\.safetensors: metadata graft\.spec is not valid JSON/,
    );
    assert.throws(
      () => decodeCheckpoint(encodeSafetensors({}, { format: "pt" }), "torch.safetensors"),
      /torch\.safetensors: not a Graft checkpoint \(metadata format is pt\)/,
    );
    const model = build(spec, { seed: 1 });
    const kernel = model.getLayer("classifier.6").weights[0]!;
    kernel.write(tf.fill(kernel.shape as number[], NaN));
    const file = `${dir}/bad.safetensors`;
    await assert.rejects(
      saveCheckpoint(file, model, spec),
      /Cannot write checkpoint: .*bad\.safetensors: classifier\.6\/kernel holds NaN or infinite values/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exportTfjs writes a model that tf.loadLayersModel opens with the same outputs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = tinyVgg(true);
    const model = build(spec, { seed: 1 });
    await loadWeights(model, spec, `${FIXTURES}vgg_tiny_bn.safetensors`);
    const result = await exportTfjs(model, dir, { shardBytes: 16 * 1024 });
    assert.ok(result.shards.length > 1, "several shards");
    // 4x4 -> 7x7 adaptive pooling has no stock equivalent: Graft's class stays.
    assert.deepEqual(result.customClasses, ["GraftAdaptiveAvgPool2D"]);
    const json = JSON.parse(await Deno.readTextFile(result.modelJson));
    assert.equal(json.format, "layers-model");
    assert.ok(!JSON.stringify(json.modelTopology).includes("GraftBatchNorm"));
    const loaded = await tfl.loadLayersModel(fileLoader(dir));
    assert.ok(relativeError(predict(loaded, io.input), io.logits.vgg_tiny_bn!) < 1e-4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a VGG at 32x32 exports with stock TensorFlow.js layers only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // VGG's shape at 32x32 (five poolings to 1x1, adaptive pool to 7x7), narrow to stay quick.
    const conv = () => [conv2d(4, 3, { padding: 1 }), batchNorm(), relu(), maxPool2d(2)];
    const spec = sequential("narrow_vgg", [32, 32, 3], {
      features: [...conv(), ...conv(), ...conv(), ...conv(), ...conv()],
      avgpool: [adaptiveAvgPool2d(7)],
      flatten: [flatten()],
      classifier: [dense(10)],
    });
    const model = build(spec, { seed: 3 });
    const result = await exportTfjs(model, dir);
    assert.deepEqual(result.customClasses, []);
    const topology = JSON.stringify(JSON.parse(await Deno.readTextFile(result.modelJson)));
    assert.match(topology, /"class_name":"UpSampling2D"/);
    const loaded = await tfl.loadLayersModel(fileLoader(dir));
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, "float32", 5);
    assert.ok(relativeError(predict(loaded, x), predict(model, x)) < 1e-5);
    tf.dispose(x);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a training run's checkpoint loads by path from its run folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const spec = tinyVgg(false);
    const model = build(spec, { seed: 1 });
    await loadWeights(model, spec, `${FIXTURES}vgg_tiny.safetensors`);
    const optimizer = new Map([["features.0/kernel/momentum", {
      shape: [1],
      data: new Float32Array(1),
    }]]);
    await saveCheckpoint(`${dir}/checkpoints/last.safetensors`, model, spec, {
      training: { state: { epoch: 1 }, optimizer },
    });
    const again = build(spec, { seed: 2 });
    const report = await loadWeights(again, spec, dir);
    assert.equal(report.source, `${dir}/checkpoints/last.safetensors`);
    assert.deepEqual(report.unused, []);
    assert.ok(relativeError(predict(again, io.input), io.logits.vgg_tiny!) < 1e-4);
    const ckpt = await readCheckpoint(dir);
    assert.deepEqual(ckpt.training?.state, { epoch: 1 });
    assert.deepEqual([...ckpt.training!.optimizer.keys()], ["features.0/kernel/momentum"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
