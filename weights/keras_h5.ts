/**
 * Keras HDF5 weight files (`model.save_weights("x.h5")`, `model.save("x.h5")` and the Keras
 * Applications downloads) read through `h5wasm`, and mapped onto Graft paths.
 *
 * @module
 */

import type { Spec } from "../dsl/spec.ts";
import { Dataset, File as H5File, Group, ready } from "h5wasm";
import { vggFeatures } from "../dsl/zoo/vgg.ts";
import { isInserted } from "./_spec_info.ts";
import { isKerasResnet, kerasResnetWeights } from "./_keras_resnet.ts";
import { OPS } from "../dsl/ops/table.ts";
import { WeightsError } from "./errors.ts";
import type { WeightMap, WeightTensor } from "./weight_map.ts";

/** One weight of a Keras layer. */
export interface KerasWeight {
  /** The name in the file, such as `block1_conv1/kernel:0`. */
  readonly name: string;
  /** Dimensions as stored (Keras layout: HWIO kernels, `[in, out]` dense kernels). */
  readonly shape: readonly number[];
  /** Values as float32. */
  readonly data: Float32Array;
}

/** One layer of a Keras weights file, in file order. */
export interface KerasLayer {
  /** Keras layer name, such as `block1_conv1` or `fc1`. */
  readonly name: string;
  /** Its weights in the order Keras lists them (empty for pooling, flatten, input). */
  readonly weights: readonly KerasWeight[];
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
let counter = 0;
let quiet = false;

/** The HDF5 reason in an h5wasm error ("unable to open file"), without its C stack. */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return /\(\): ([^\n]+)/.exec(text)?.[1] ?? text.split("\n")[0] ?? text;
}

function strings(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  return undefined;
}

function toFloat32(value: unknown): Float32Array | undefined {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array || value instanceof Int32Array) return Float32Array.from(value);
  if (typeof value === "number") return Float32Array.of(value);
  return undefined;
}

/**
 * Reads the layers and weights of a Keras HDF5 file (the layout of `save_weights`; a full-model
 * file's `model_weights` group is used when present). Layers come in file order, each with its
 * weights in Keras' order. Errors name `source` and the layer or dataset at fault.
 *
 * @example
 * ```ts ignore
 * import { readKerasH5 } from "@graft/graft/weights";
 * const layers = await readKerasH5(await Deno.readFile("vgg16.h5"), "vgg16.h5");
 * console.log(layers.map((l) => l.name));
 * ```
 */
export async function readKerasH5(bytes: Uint8Array, source = "<bytes>"): Promise<KerasLayer[]> {
  const fail = (problems: string[]): never => {
    throw new WeightsError("Cannot read Keras HDF5 file", source, problems);
  };
  if (bytes.length < 8 || !HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    fail(["not an HDF5 file (no HDF5 signature at byte 0)"]);
  }
  const module = await ready;
  if (!quiet) {
    // HDF5 errors become exceptions instead of diagnostics printed on stderr.
    (module as unknown as { activate_throwing_error_handler(): number })
      .activate_throwing_error_handler();
    quiet = true;
  }
  const name = `/graft_weights_${++counter}.h5`;
  module.FS.writeFile(name, bytes);
  let file: H5File | undefined;
  try {
    try {
      file = new H5File(name, "r");
    } catch (e) {
      fail([`the HDF5 library cannot open it (truncated or damaged?): ${reason(e)}`]);
    }
    let root: Group = file!;
    const inner = file!.get("model_weights");
    if (inner instanceof Group) root = inner;
    let layerNames: string[] | undefined;
    try {
      layerNames = strings(root.attrs["layer_names"]?.value);
    } catch (e) {
      fail([`cannot read the layer_names attribute (truncated or damaged?): ${reason(e)}`]);
    }
    if (!layerNames) {
      fail(["no layer_names attribute: not a Keras weights file"]);
    }
    const layers: KerasLayer[] = [];
    const problems: string[] = [];
    for (const layerName of layerNames!) {
      const group = root.get(layerName);
      if (!(group instanceof Group)) {
        problems.push(`layer "${layerName}" is listed in layer_names but has no group`);
        continue;
      }
      let weightNames: string[] = [];
      try {
        weightNames = strings(group.attrs["weight_names"]?.value) ?? [];
      } catch (e) {
        problems.push(`layer "${layerName}": cannot read weight_names: ${reason(e)}`);
        continue;
      }
      const weights: KerasWeight[] = [];
      for (const w of weightNames) {
        const ds = group.get(w);
        if (!(ds instanceof Dataset)) {
          problems.push(
            `layer "${layerName}" lists weight "${w}" but the file has no such dataset`,
          );
          continue;
        }
        let data: Float32Array | undefined;
        try {
          data = toFloat32(ds.value);
        } catch (e) {
          problems.push(`weight "${layerName}/${w}" cannot be read (truncated?): ${reason(e)}`);
          continue;
        }
        if (!data) {
          problems.push(`weight "${layerName}/${w}" has dtype ${ds.dtype}, not float`);
          continue;
        }
        weights.push({ name: w, shape: [...(ds.shape ?? [])], data });
      }
      layers.push({ name: layerName, weights });
    }
    if (problems.length > 0) fail(problems);
    return layers;
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    // The HDF5 library throws plain errors on damaged structures it meets while walking.
    return fail([`the file is damaged (truncated or corrupted?): ${reason(e)}`]);
  } finally {
    try {
      file?.close();
    } catch { /* already reported */ }
    module.FS.unlink(name);
  }
}

/** The ops a Keras file's weighted layers map to, by kind. */
type Kind = "conv2d" | "dense" | "batchNorm";

/** Names of a BatchNorm's weights, from the op table (Keras' names are Graft's). */
const BN_NAMES = OPS.batchNorm.weights.map((w) => w.name);

function shortName(weightName: string): string {
  return (weightName.split("/").pop() ?? weightName).replace(/:\d+$/, "").replace(/_\d+$/, "");
}

function classify(layer: KerasLayer): Kind | undefined {
  const names = layer.weights.map((w) => shortName(w.name));
  if (names.some((n) => BN_NAMES.some((b) => n.endsWith(b)))) return "batchNorm";
  const first = layer.weights[0];
  if (first?.shape.length === 4) return "conv2d";
  if (first?.shape.length === 2) return "dense";
  return undefined;
}

/** The op's weight names for a Keras layer's weights: by their names, else by position. */
function weightNames(kind: Kind, layer: KerasLayer): readonly string[] {
  const defs = OPS[kind].weights.map((w) => w.name);
  // Longest first, so that "moving_mean" is not taken for "mean"-like suffixes of others.
  const bySuffix = [...defs].sort((a, b) => b.length - a.length);
  const named = layer.weights.map((w) => bySuffix.find((d) => shortName(w.name).endsWith(d)));
  return named.every((n) => n !== undefined) && new Set(named).size === named.length
    ? named as string[]
    : defs;
}

/** Weighted paths of a spec by kind, in node order, skipping nodes an `insert()` created. */
function referencePaths(spec: Spec): Record<Kind, string[]> {
  const data = spec.toJSON();
  const out: Record<Kind, string[]> = { conv2d: [], dense: [], batchNorm: [] };
  for (const n of data.nodes) {
    if ((n.op === "conv2d" || n.op === "dense" || n.op === "batchNorm") && !isInserted(data, n)) {
      out[n.op].push(n.path);
    }
  }
  return out;
}

/** The paths of torchvision's VGG whose conv/BN counts match, if any. */
function zooPaths(convs: number, bns: number, denses: number): Record<Kind, string[]> | undefined {
  const depth = ({ 8: 11, 10: 13, 13: 16, 16: 19 } as Record<number, 11 | 13 | 16 | 19>)[convs];
  if (!depth || denses > 3 || (bns !== 0 && bns !== convs)) return undefined;
  const out: Record<Kind, string[]> = { conv2d: [], dense: [], batchNorm: [] };
  vggFeatures(depth, { batchNorm: bns > 0 }).forEach((l, i) => {
    if (l.op === "conv2d" || l.op === "batchNorm") out[l.op].push(`features.${i}`);
  });
  out.dense = ["classifier.0", "classifier.3", "classifier.6"].slice(0, denses);
  return out;
}

/** The result of mapping Keras layers onto Graft paths. */
export interface KerasConversion {
  /** Weights keyed by `<path>/<name>` in Graft's layout. */
  readonly weights: WeightMap;
  /** Which Keras layer went to which Graft path, in file order. */
  readonly mapping: readonly { readonly layer: string; readonly path: string }[];
  /** Keras layers with weights that map to no path. */
  readonly unused: readonly string[];
}

/**
 * Maps Keras layers onto Graft paths by order within each kind: the n-th convolution of the file
 * goes to the n-th `conv2d` path of `reference`, likewise dense and BatchNorm layers. Keras
 * layouts already match Graft's (HWIO, `[in, out]`, channels-last flatten), so values are taken
 * as they are. `reference` is the architecture the file was saved from; by default the spec's
 * own weighted nodes (without inserted ones), or torchvision's VGG-11/13/16/19 when the file's
 * layer counts match one of those (Keras Applications' `block1_conv1` ... `predictions`).
 * Keras Applications' ResNets (`conv1_conv`, `conv2_block1_1_conv`, ...) are placed by their
 * names instead (`layer1.0.conv1`, the `_0_` shortcut as `downsample`), since Keras lists a
 * block's shortcut between its other convolutions; their convolution biases, which
 * torchvision's ResNets do not have, are folded into the BatchNorm that follows each one.
 *
 * @example
 * ```ts ignore
 * import { kerasToGraft, readKerasH5 } from "@graft/graft/weights";
 * import { vgg16 } from "@graft/graft/dsl";
 * const layers = await readKerasH5(await Deno.readFile("vgg16.h5"));
 * const { mapping } = kerasToGraft(layers, vgg16());
 * console.log(mapping[0]); // { layer: "block1_conv1", path: "features.0" }
 * ```
 */
export function kerasToGraft(
  layers: readonly KerasLayer[],
  reference: Spec,
  source = "<keras layers>",
): KerasConversion {
  if (isKerasResnet(layers)) {
    // Keras Applications' ResNets: placed by their names (see _keras_resnet.ts).
    const biased = new Set(
      reference.toJSON().nodes.filter((n) => n.op === "conv2d" && n.config.useBias).map((n) =>
        n.path
      ),
    );
    const { weights, mapping } = kerasResnetWeights(layers, (path) => biased.has(path));
    return { weights, mapping, unused: [] };
  }
  const byKind: Record<Kind, KerasLayer[]> = { conv2d: [], dense: [], batchNorm: [] };
  const unused: string[] = [];
  for (const l of layers) {
    if (l.weights.length === 0) continue;
    const kind = classify(l);
    if (kind) byKind[kind].push(l);
    else unused.push(l.name);
  }
  const counts = (r: Record<Kind, unknown[]>) =>
    `${r.conv2d.length} convolution, ${r.batchNorm.length} BatchNorm and ${r.dense.length} dense`;
  let paths = referencePaths(reference);
  const fits = (p: Record<Kind, string[]>) =>
    (["conv2d", "dense", "batchNorm"] as const).every((k) => p[k].length === byKind[k].length);
  if (!fits(paths)) {
    const zoo = zooPaths(byKind.conv2d.length, byKind.batchNorm.length, byKind.dense.length);
    if (!zoo) {
      throw new WeightsError("Cannot map Keras layers onto Graft paths", source, [
        `the file has ${counts(byKind)} layers but the reference spec has ${counts(paths)}: ` +
        `pass the spec the file was saved from as the reference`,
      ]);
    }
    paths = zoo;
  }
  const weights = new Map<string, WeightTensor>();
  const mapping: { layer: string; path: string }[] = [];
  const problems: string[] = [];
  for (const kind of ["conv2d", "batchNorm", "dense"] as const) {
    byKind[kind].forEach((layer, i) => {
      const path = paths[kind][i]!;
      mapping.push({ layer: layer.name, path });
      const names = weightNames(kind, layer);
      if (layer.weights.length > names.length) {
        problems.push(`layer "${layer.name}" has ${layer.weights.length} weights`);
        return;
      }
      layer.weights.forEach((w, j) => {
        weights.set(`${path}/${names[j]}`, { shape: w.shape, data: w.data });
      });
    });
  }
  if (problems.length > 0) {
    throw new WeightsError("Cannot map Keras layers onto Graft paths", source, problems);
  }
  mapping.sort((a, b) =>
    layers.findIndex((l) => l.name === a.layer) - layers.findIndex((l) => l.name === b.layer)
  );
  return { weights, mapping, unused };
}
