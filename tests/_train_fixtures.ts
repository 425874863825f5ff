// Test helpers: a tiny CNN spec and a generated, learnable 8×8 dataset.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { conv2d, dense, flatten, maxPool2d, relu, sequential } from "../dsl/mod.ts";
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
