import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { fillNormal } from "./_random.ts";
import type { Inputs, Spec } from "../dsl/mod.ts";
import { ensureBackendSync } from "../backends/mod.ts";
import { tfjsOp } from "./_tfjs_ops.ts";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /** Seed of the weight initialisation and dropout: the same seed gives the same weights. */
  readonly seed?: number;
  /**
   * Build a spec that names pretrained weights (`vgg16({ weights })`) with fresh weights
   * instead of refusing; `buildWithWeights()` uses this, then loads them. Default false.
   */
  readonly freshWeights?: boolean;
}

/** A 31-bit seed per layer from the build seed and the path (FNV-1a). */
function layerSeed(seed: number, path: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 1) % 2147483647;
}

/** Draws every kernel from its own seeded stream: same seed and path, same values. */
function initialise(model: tfl.LayersModel, spec: Spec, seed: number): void {
  for (const node of spec.nodes) {
    const stddev = tfjsOp(node.op).kernelStd(node.config);
    if (stddev === 0) continue;
    const kernel = model.getLayer(node.path).weights[0]!;
    const size = kernel.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    const values = tf.tensor(
      fillNormal(new Float32Array(size), stddev, layerSeed(seed, node.path)),
      kernel.shape as number[],
    );
    kernel.write(values);
    values.dispose();
  }
}

/**
 * Compiles a spec into a TensorFlow.js `LayersModel` (channels last). Checks the spec first
 * (throws `ShapeError` listing every problem), names each layer by its path, initialises as
 * torchvision does (kaiming-normal fan-out convolutions, normal(0, 0.01) dense layers, zero
 * biases) from `seed`, and applies the spec's frozen flags; a frozen BatchNorm runs in
 * inference mode and keeps its moving statistics.
 *
 * @example
 * ```ts
 * import { build } from "@graft/graft/compile";
 * import { vgg11 } from "@graft/graft/dsl";
 * const model = build(vgg11({ inputShape: [32, 32, 3] }).replaceHead(10).freeze("features"), {
 *   seed: 1,
 * });
 * console.log(model.countParams());
 * ```
 */
export function build(spec: Spec, options: BuildOptions = {}): tfl.LayersModel {
  if (spec.weights !== undefined && !options.freshWeights) {
    throw new Error(
      `Cannot build ${spec.name} synchronously: it starts from pretrained weights ` +
        `(${spec.weights}); use await buildWithWeights(spec) from @graft/graft/weights, ` +
        "or build({ freshWeights: true }) for a fresh initialisation",
    );
  }
  const shapes = spec.shapes();
  ensureBackendSync();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const inputShape = [...spec.inputShape];
  const input = tfl.input({ shape: inputShape, name: "input" });
  const outputs = new Map<string, tfl.SymbolicTensor>([["input", input]]);
  for (const node of spec.nodes) {
    const inputs = node.inputs.map((i) => outputs.get(i)!);
    const layers = tfjsOp(node.op).layers(node.config, {
      name: node.path,
      inputs: node.inputs.map((i) => shapes.get(i)!) as unknown as Inputs,
      seed: layerSeed(seed, node.path),
    });
    let x: tfl.SymbolicTensor | tfl.SymbolicTensor[] = inputs.length === 1 ? inputs[0]! : inputs;
    for (const layer of layers) {
      layer.trainable = node.trainable;
      x = layer.apply(x) as tfl.SymbolicTensor;
    }
    outputs.set(node.path, x as tfl.SymbolicTensor);
  }
  const json = spec.toJSON();
  const model = tfl.model({ inputs: input, outputs: outputs.get(json.output)!, name: spec.name });
  initialise(model, spec, seed);
  return model;
}
