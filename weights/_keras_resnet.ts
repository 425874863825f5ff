// Keras Applications' ResNet files (ResNet50/101/152, v1) mapped onto torchvision's names.
//
// Keras lists a functional model's layers by depth, so a block's shortcut convolution comes
// between its second and third convolutions (`conv2_block1_2_relu`, `conv2_block1_0_conv`,
// `conv2_block1_3_conv`, `conv2_block1_0_bn`, `conv2_block1_3_bn`): the n-th convolution of the
// file is not the n-th of torchvision's order. The names say where each layer belongs, so the
// mapping reads them: `conv{stage + 1}_block{block + 1}_{k}_{conv|bn}` is `layer{stage}.{block}`'s
// `conv{k}`/`bn{k}`, with `k = 0` the shortcut (`downsample.0`/`downsample.1`).
//
// Keras' convolutions carry biases where torchvision's do not. Every one of them feeds a
// BatchNorm, and BN(conv(x) + b) with moving mean m is BN(conv(x)) with moving mean m - b, so a
// bias the spec has no place for is folded into the BatchNorm after it: the function is the same.
import type { WeightTensor } from "./weight_map.ts";

/** A Keras layer as `readKerasH5` returns it (declared here: keras_h5.ts imports this file). */
interface KerasLayer {
  readonly name: string;
  readonly weights: readonly (WeightTensor & { readonly name: string })[];
}

/** The torchvision path of a Keras Applications ResNet layer, or undefined. */
export function kerasResnetPath(name: string): string | undefined {
  if (name === "conv1_conv") return "conv1";
  if (name === "conv1_bn") return "bn1";
  if (name === "predictions" || name === "probs") return "fc";
  const m = /^conv(\d)_block(\d+)_(\d)_(conv|bn)$/.exec(name);
  if (!m) return undefined;
  const stage = Number(m[1]) - 1, block = Number(m[2]) - 1, k = Number(m[3]), kind = m[4]!;
  if (stage < 1 || stage > 4 || block < 0 || k > 3) return undefined;
  const at = `layer${stage}.${block}`;
  return k === 0 ? `${at}.downsample.${kind === "conv" ? 0 : 1}` : `${at}.${kind}${k}`;
}

/** True when every weighted layer of a file has a ResNet path (Keras Applications' naming). */
export function isKerasResnet(layers: readonly KerasLayer[]): boolean {
  const weighted = layers.filter((l) => l.weights.length > 0);
  return weighted.some((l) => l.name === "conv1_conv") &&
    weighted.every((l) => kerasResnetPath(l.name) !== undefined);
}

/** The BatchNorm that follows a convolution of torchvision's ResNet. */
function batchNormAfter(convPath: string): string {
  if (convPath === "conv1") return "bn1";
  if (convPath.endsWith(".downsample.0")) return convPath.replace(/0$/, "1");
  return convPath.replace(/conv(\d)$/, "bn$1");
}

/** A Keras ResNet file as Graft weights, and how each layer was placed. */
export interface KerasResnetWeights {
  /** Weights keyed by `<path>/<name>`. */
  readonly weights: Map<string, WeightTensor>;
  /** Which Keras layer went to which path, in file order. */
  readonly mapping: { readonly layer: string; readonly path: string }[];
  /** Convolutions whose bias was folded into the BatchNorm after them. */
  readonly folded: string[];
}

const BN = ["gamma", "beta", "moving_mean", "moving_variance"];

/**
 * Maps a Keras Applications ResNet file onto torchvision's paths. `hasBias(path)` says whether
 * the target convolution keeps a bias; a file's bias for one that does not is folded into the
 * following BatchNorm's moving mean.
 */
export function kerasResnetWeights(
  layers: readonly KerasLayer[],
  hasBias: (path: string) => boolean,
): KerasResnetWeights {
  const weights = new Map<string, WeightTensor>();
  const mapping: { layer: string; path: string }[] = [];
  const pending: { conv: string; bias: WeightTensor }[] = [];
  for (const layer of layers) {
    const path = kerasResnetPath(layer.name);
    if (path === undefined || layer.weights.length === 0) continue;
    mapping.push({ layer: layer.name, path });
    const isBn = layer.weights.length === 4;
    layer.weights.forEach((w, i) => {
      const short = (w.name.split("/").pop() ?? "").replace(/:\d+$/, "");
      const name = isBn ? BN.find((n) => short.endsWith(n)) ?? BN[i]! : i === 0 ? "kernel" : "bias";
      if (name === "bias" && !isBn && path !== "fc" && !hasBias(path)) {
        pending.push({ conv: path, bias: w });
      } else {
        weights.set(`${path}/${name}`, { shape: w.shape, data: w.data });
      }
    });
  }
  const folded: string[] = [];
  for (const { conv, bias } of pending) {
    const key = `${batchNormAfter(conv)}/moving_mean`;
    const mean = weights.get(key);
    if (!mean || mean.data.length !== bias.data.length) {
      weights.set(`${conv}/bias`, bias); // nowhere to fold it: reported as unused
      continue;
    }
    weights.set(key, { shape: mean.shape, data: mean.data.map((m, i) => m - bias.data[i]!) });
    folded.push(conv);
  }
  return { weights, mapping, folded };
}
