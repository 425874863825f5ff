import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { fillNormal } from "./_random.ts";
import type { Json, Shape, Spec, SpecNode } from "../dsl/mod.ts";
import { ensureBackendSync } from "../backends/mod.ts";
import { AdaptiveAvgPool2D, FreezableBatchNorm, ReseedingDropout } from "./_layers.ts";

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

type Config = { readonly [key: string]: Json };

function pair(v: Json | undefined): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
}

/** A 31-bit seed per layer from the build seed and the path (FNV-1a). */
function layerSeed(seed: number, path: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 1) % 2147483647;
}

/** TensorFlow.js padding for a config, and explicit zero padding when it needs some. */
function padding(config: Config): { mode: "same" | "valid"; pad?: [number, number] } {
  const p = config.padding;
  if (p === "same" || p === "valid" || p === undefined) return { mode: p ?? "valid" };
  const [ph, pw] = pair(p);
  const [kh, kw] = pair(config.kernelSize ?? config.poolSize);
  const [sh, sw] = pair(config.strides);
  if (ph === 0 && pw === 0) return { mode: "valid" };
  if (sh === 1 && sw === 1 && kh === 2 * ph + 1 && kw === 2 * pw + 1) return { mode: "same" };
  return { mode: "valid", pad: [ph, pw] };
}

function makeLayers(node: SpecNode, input: Shape, seed: number): tfl.layers.Layer[] {
  const name = node.path;
  const c = node.config;
  const zeros = tfl.initializers.zeros();
  const pre: tfl.layers.Layer[] = [];
  const pad = (p: { pad?: [number, number] }) => {
    if (p.pad) pre.push(tfl.layers.zeroPadding2d({ padding: p.pad, name: `${name}.pad` }));
  };
  switch (node.op) {
    case "conv2d": {
      const p = padding(c);
      pad(p);
      return [
        ...pre,
        tfl.layers.conv2d({
          name,
          filters: Number(c.filters),
          kernelSize: pair(c.kernelSize),
          strides: pair(c.strides),
          padding: p.mode,
          useBias: c.useBias !== false,
          kernelInitializer: zeros, // drawn in initialise()
          biasInitializer: zeros,
        }),
      ];
    }
    case "dense":
      return [tfl.layers.dense({
        name,
        units: Number(c.units),
        useBias: c.useBias !== false,
        kernelInitializer: zeros, // drawn in initialise()
        biasInitializer: zeros,
      })];
    case "relu":
      return [tfl.layers.reLU({ name })];
    case "dropout":
      return [new ReseedingDropout({ name, rate: Number(c.rate), seed: layerSeed(seed, name) })];
    case "maxPool2d":
    case "avgPool2d": {
      const p = padding(c);
      pad(p);
      const args = { name, poolSize: pair(c.poolSize), strides: pair(c.strides), padding: p.mode };
      return [
        ...pre,
        node.op === "maxPool2d" ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args),
      ];
    }
    case "adaptiveAvgPool2d":
      return [new AdaptiveAvgPool2D({ name, outputSize: pair(c.outputSize) })];
    case "globalAvgPool2d":
      return [tfl.layers.globalAveragePooling2d({ name })];
    case "flatten":
      return [tfl.layers.flatten({ name })];
    case "batchNorm":
      return [
        new FreezableBatchNorm({
          name,
          axis: input.length === 3 ? 3 : 1,
          epsilon: Number(c.epsilon),
          momentum: 1 - Number(c.momentum),
        }),
      ];
  }
}

/** Standard deviation of torchvision's initial kernel for a node, or 0 for none. */
function initialStddev(node: SpecNode): number {
  if (node.op === "dense") return 0.01;
  if (node.op !== "conv2d") return 0;
  const [kh, kw] = pair(node.config.kernelSize);
  return Math.sqrt(2 / (kh * kw * Number(node.config.filters))); // kaiming normal, fan_out
}

/** Draws every kernel from its own seeded stream: same seed and path, same values. */
function initialise(model: tfl.LayersModel, spec: Spec, seed: number): void {
  for (const node of spec.nodes) {
    const stddev = initialStddev(node);
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
    let x = outputs.get(node.inputs[0]!)!;
    const layers = makeLayers(node, shapes.get(node.inputs[0]!)!, seed);
    for (const layer of layers) {
      layer.trainable = node.trainable;
      x = layer.apply(x) as tfl.SymbolicTensor;
    }
    outputs.set(node.path, x);
  }
  const json = spec.toJSON();
  const model = tfl.model({ inputs: input, outputs: outputs.get(json.output)!, name: spec.name });
  initialise(model, spec, seed);
  return model;
}
