/**
 * Loads weights into a built model by path.
 *
 * @module
 */

import type { Spec } from "../dsl/spec.ts";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { isInserted, isReplaced, WEIGHTED_OPS } from "./_spec_info.ts";
import { WeightsError } from "./errors.ts";
import { readWeights, type WeightFormat, type WeightSource } from "./read_weights.ts";
import { formatShape, type WeightMap, type WeightTensor } from "./weight_map.ts";

/** Options of {@linkcode loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * Default true: a missing tensor or a shape mismatch on a path that exists in both is an
   * error (nothing is loaded). With false, such layers keep their fresh initialisation and a
   * warning is printed for each.
   */
  readonly strict?: boolean;
  /** For Keras files: the spec the file was saved from (see `kerasToGraft`). */
  readonly reference?: Spec;
  /** Where warnings go. Default: `console.warn`. */
  readonly warn?: (line: string) => void;
}

/** What {@linkcode loadWeights} did, path by path. */
export interface LoadReport {
  /** The file or label the weights came from. */
  readonly source: string;
  /** The format detected. */
  readonly format: WeightFormat;
  /** Paths whose weights were loaded. */
  readonly loaded: readonly string[];
  /** Paths that `replace()`/`replaceHead()` changed: they keep their fresh initialisation. */
  readonly replaced: readonly string[];
  /** Paths that `insert()` created: they keep their fresh initialisation. */
  readonly inserted: readonly string[];
  /** Paths skipped with `strict: false` (missing tensors or wrong shapes), with the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Source weights no layer took (for example those of dropped layers). */
  readonly unused: readonly string[];
}

/** The weight name of a TensorFlow.js variable: `features.0/kernel_1` -> `kernel`. */
function weightName(variableName: string): string {
  const last = variableName.slice(variableName.lastIndexOf("/") + 1);
  return last.replace(/_\d+$/, "");
}

/** Weight variables always have a fully known shape. */
function shapeOf(v: tfl.LayerVariable): number[] {
  return v.shape.map((d) => d ?? 0);
}

/**
 * The weights a built model holds for each weighted path, keyed by `<path>/<name>`.
 *
 * @example
 * ```ts ignore
 * import { expectedWeights } from "@graft/graft/weights";
 * console.log(expectedWeights(model, spec).get("features.0/kernel")); // [3, 3, 3, 64]
 * ```
 */
export function expectedWeights(
  model: tfl.LayersModel,
  spec: Spec,
): Map<string, { readonly path: string; readonly shape: readonly number[] }> {
  const out = new Map<string, { path: string; shape: number[] }>();
  for (const node of spec.toJSON().nodes) {
    if (!WEIGHTED_OPS.has(node.op)) continue;
    const layer = model.getLayer(node.path);
    for (const v of layer.weights) {
      out.set(`${node.path}/${weightName(v.name)}`, { path: node.path, shape: shapeOf(v) });
    }
  }
  return out;
}

/**
 * Writes Graft weights into a model built from `spec`, path by path, and reports what happened.
 * Layers that `replace()`/`replaceHead()` changed or `insert()` added keep their fresh
 * initialisation and are listed. Every other weighted layer must find its tensors with the same
 * shapes: otherwise one {@linkcode WeightsError} lists every missing tensor and every mismatch
 * (path and both shapes) and nothing is written, unless `strict: false`, which skips those
 * layers with a warning.
 *
 * @example
 * ```ts ignore
 * import { applyWeights } from "@graft/graft/weights";
 * const report = applyWeights(model, spec, weights, "checkpoint", { strict: false });
 * console.log(report.loaded.length);
 * ```
 */
export function applyWeights(
  model: tfl.LayersModel,
  spec: Spec,
  weights: WeightMap,
  source: string,
  options: LoadWeightsOptions = {},
): Omit<LoadReport, "format"> {
  const strict = options.strict ?? true;
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const data = spec.toJSON();
  const loaded: string[] = [];
  const replaced: string[] = [];
  const inserted: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const problems: string[] = [];
  const used = new Set<string>();
  const plan: { layer: tfl.layers.Layer; values: WeightTensor[] }[] = [];
  for (const node of data.nodes) {
    if (!WEIGHTED_OPS.has(node.op)) continue;
    let layer: tfl.layers.Layer;
    try {
      layer = model.getLayer(node.path);
    } catch {
      throw new WeightsError("Cannot load weights", source, [
        `the model has no layer "${node.path}": was it built from this spec?`,
      ]);
    }
    const keys = layer.weights.map((v) => `${node.path}/${weightName(v.name)}`);
    keys.forEach((k) => weights.has(k) && used.add(k));
    if (isReplaced(data, node)) {
      replaced.push(node.path);
      continue;
    }
    const present = keys.filter((k) => weights.has(k));
    if (present.length === 0 && isInserted(data, node)) {
      inserted.push(node.path);
      continue;
    }
    const issues: string[] = [];
    const values: WeightTensor[] = [];
    layer.weights.forEach((v, i) => {
      const key = keys[i]!;
      const t = weights.get(key);
      if (!t) {
        issues.push(`${key}: missing from the file (the model expects ${formatShape(shapeOf(v))})`);
      } else if (
        t.shape.length !== v.shape.length || t.shape.some((d, j) => d !== shapeOf(v)[j])
      ) {
        issues.push(
          `${key}: shape mismatch: the file has ${formatShape(t.shape)}, the model expects ` +
            formatShape(shapeOf(v)),
        );
      } else {
        values.push(t);
      }
    });
    if (issues.length === 0) {
      plan.push({ layer, values });
      loaded.push(node.path);
    } else if (strict) {
      problems.push(...issues);
    } else {
      for (const issue of issues) warn(`Warning: skipping ${node.path}: ${issue}`);
      skipped.push({ path: node.path, reason: issues.join("; ") });
    }
  }
  if (problems.length > 0) {
    throw new WeightsError("Cannot load weights", source, [
      ...problems,
      "pass { strict: false } to skip these layers",
    ]);
  }
  for (const { layer, values } of plan) {
    const tensors = values.map((t) => tf.tensor(t.data, [...t.shape], "float32"));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  return { source, loaded, replaced, inserted, skipped, unused };
}

/**
 * Loads weights into a model built from `spec`: reads the source (a Graft checkpoint or run folder, a
 * safetensors file with Graft or PyTorch/timm names, a Keras HDF5 file, bytes, or a weight map),
 * converts layouts, and writes each path's tensors into the layer of the same path (see
 * {@linkcode applyWeights} for the rules on edited specs and `strict`).
 *
 * @example Fine-tune from a checkpoint with a new head
 * ```ts ignore
 * import { build } from "@graft/graft/compile";
 * import { vgg11 } from "@graft/graft/dsl";
 * import { loadWeights } from "@graft/graft/weights";
 * const spec = vgg11({ inputShape: [32, 32, 3], classes: 5 }).replaceHead(5).freeze("features");
 * const model = build(spec, { seed: 1 });
 * const report = await loadWeights(model, spec, "runs/pretrain.safetensors");
 * console.log(report.replaced); // ["classifier.6"]
 * ```
 */
export async function loadWeights(
  model: tfl.LayersModel,
  spec: Spec,
  source: WeightSource,
  options: LoadWeightsOptions = {},
): Promise<LoadReport> {
  const read = await readWeights(
    source,
    spec,
    options.reference ? { reference: options.reference } : {},
  );
  const report = applyWeights(model, spec, read.weights, read.source, options);
  return { ...report, format: read.format, unused: [...read.unused, ...report.unused] };
}
