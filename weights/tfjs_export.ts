/**
 * Export to the TensorFlow.js layers format (`model.json` + binary weight shards) that
 * `tf.loadLayersModel` opens in a browser or under Deno/Node.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { WeightsError } from "./errors.ts";

/** Options of {@linkcode exportTfjs}. */
export interface ExportTfjsOptions {
  /** Largest shard in bytes. Default 4 MiB, as the TensorFlow.js converter writes. */
  readonly shardBytes?: number;
}

/** What {@linkcode exportTfjs} wrote. */
export interface ExportTfjsResult {
  /** Path of `model.json`. */
  readonly modelJson: string;
  /** Shard file names next to it. */
  readonly shards: readonly string[];
  /**
   * Graft layer classes left in the topology (empty when stock TensorFlow.js can load the model
   * alone). When not empty, import `@graft/graft/compile` (which registers them) before
   * `tf.loadLayersModel`.
   */
  readonly customClasses: readonly string[];
}

type Json = { [key: string]: unknown };

/**
 * Rewrites Graft's custom layers into stock TensorFlow.js layers where that computes the same
 * inference function: the frozen-aware BatchNorm becomes `BatchNormalization`; the adaptive
 * average pool becomes an identity `Activation` (same size), an `AveragePooling2D` (sizes that
 * divide) or an `UpSampling2D` (from 1×1). Other adaptive pools stay custom.
 */
function portable(topology: Json, model: tfl.LayersModel): string[] {
  const custom = new Set<string>();
  const config = topology.config as { layers?: Json[] } | undefined;
  for (const layer of config?.layers ?? []) {
    const cfg = layer.config as Json;
    if (layer.class_name === "GraftBatchNorm") {
      layer.class_name = "BatchNormalization";
    } else if (layer.class_name === "GraftAdaptiveAvgPool2D") {
      const input = (model.getLayer(String(cfg.name)).input as tfl.SymbolicTensor).shape;
      const [h, w] = [Number(input[1]), Number(input[2])];
      const [oh, ow] = (cfg.output_size ?? cfg.outputSize) as [number, number];
      const base = { name: cfg.name, trainable: cfg.trainable, dtype: cfg.dtype };
      if (h === oh && w === ow) {
        layer.class_name = "Activation";
        layer.config = { ...base, activation: "linear" };
      } else if (h % oh === 0 && w % ow === 0) {
        const size = [h / oh, w / ow];
        layer.class_name = "AveragePooling2D";
        layer.config = {
          ...base,
          pool_size: size,
          strides: size,
          padding: "valid",
          data_format: "channels_last",
        };
      } else if (h === 1 && w === 1) {
        layer.class_name = "UpSampling2D";
        layer.config = {
          ...base,
          size: [oh, ow],
          data_format: "channels_last",
          interpolation: "nearest",
        };
      }
    }
    if (String(layer.class_name).startsWith("Graft")) custom.add(String(layer.class_name));
  }
  return [...custom];
}

function concat(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Writes a model in the TensorFlow.js layers format: `dir/model.json` (topology and weights
 * manifest) and `dir/group1-shardNofM.bin`. Graft's BatchNorm and, where an equivalent exists,
 * its adaptive average pool are written as stock layers, so `tf.loadLayersModel` opens the
 * result without Graft; the result lists any Graft classes that remain.
 *
 * @example
 * ```ts ignore
 * import { exportTfjs } from "@graft/graft/weights";
 * const { modelJson, customClasses } = await exportTfjs(model, "web/model");
 * // in a browser: await tf.loadLayersModel("web/model/model.json")
 * ```
 */
export async function exportTfjs(
  model: tfl.LayersModel,
  dir: string,
  options: ExportTfjsOptions = {},
): Promise<ExportTfjsResult> {
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: "JSON",
      },
    });
  }));
  if (!artifacts || !artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new WeightsError("Cannot export TensorFlow.js model", dir, ["no JSON topology"]);
  }
  const topology = structuredClone(artifacts.modelTopology) as Json;
  const customClasses = portable(topology, model);
  const bytes = concat(artifacts.weightData);
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const shards = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await Deno.writeFile(
      `${dir}/${shards[i]}`,
      bytes.subarray(i * shardBytes, Math.min(bytes.length, (i + 1) * shardBytes)),
    );
  }
  const json = {
    format: "layers-model",
    generatedBy: artifacts.generatedBy ?? "TensorFlow.js",
    convertedBy: "Graft",
    modelTopology: topology,
    weightsManifest: [{ paths: shards, weights: artifacts.weightSpecs ?? [] }],
  };
  const modelJson = `${dir}/model.json`;
  await Deno.writeTextFile(modelJson, JSON.stringify(json));
  return { modelJson, shards, customClasses };
}
