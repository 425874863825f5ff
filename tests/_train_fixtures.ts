// Test helpers: a tiny CNN spec and a generated, learnable 8×8 dataset.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type * as tfl from "@tensorflow/tfjs-layers";
import { conv2d, dense, flatten, maxPool2d, relu, sequential, type Spec } from "../dsl/mod.ts";
import { build } from "../compile/mod.ts";
import { train, type TrainOptions, type TrainResult } from "../train/mod.ts";
import { arrayDataset, type Dataset, Rng } from "../data/mod.ts";

await tf.setBackend("cpu");
(tf.findBackend("cpu") as { firstUse?: boolean } | null)!.firstUse = false;

/** features (conv 3×3 → relu → pool) then classifier (flatten → dense 4), 8×8×3 inputs. */
export function tinySpec() {
  return sequential("tiny", [8, 8, 3], {
    features: [conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
    classifier: [flatten(), dense(4)],
  });
}

/** `n` 8×8×3 images of 4 classes: class k is brighter in one quadrant, plus noise. */
export function quadrants(n: number, seed = 1): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 8 * 8 * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    labels[i] = k;
    for (let y = 0; y < 8; y++) {
      for (let xx = 0; xx < 8; xx++) {
        const q = (y < 4 ? 0 : 2) + (xx < 4 ? 0 : 1);
        for (let c = 0; c < 3; c++) {
          x[((i * 8 + y) * 8 + xx) * 3 + c] = (q === k ? 1 : 0) + (rng.next() - 0.5) * 0.5;
        }
      }
    }
  }
  return arrayDataset(x, labels, [8, 8, 3], 4, { flip: false });
}

/** Builds `spec` (or takes `options.model`) and trains it: `train()` with the model built here. */
export async function fit(
  spec: Spec,
  options: TrainOptions & { readonly model?: tfl.LayersModel; readonly buildSeed?: number },
): Promise<TrainResult> {
  const { model, buildSeed, ...rest } = options;
  return await train(model ?? build(spec, { seed: buildSeed ?? options.seed ?? 0 }), spec, rest);
}
