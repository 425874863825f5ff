import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type Dataset, epochOrder } from "../data/mod.ts";
import { ensureBackend } from "../backends/mod.ts";

/**
 * Class probabilities (softmax of the logits) of every image of a dataset, in inference mode:
 * one row of `dataset.classes` numbers per image, in dataset order. Results are read back
 * asynchronously (so it runs on WebGPU too); leaves no tensors behind.
 *
 * @example
 * ```ts
 * import { build } from "@graft/graft/compile";
 * import { arrayDataset } from "@graft/graft/data";
 * import { dense, flatten, sequential } from "@graft/graft/dsl";
 * import { predict } from "@graft/graft/train";
 * const spec = sequential("tiny", [2, 2, 1], { head: [flatten(), dense(3)] });
 * const images = arrayDataset(new Float32Array(8), new Int32Array(2), [2, 2, 1], 3);
 * const probs = await predict(build(spec, { seed: 1 }), images);
 * console.log(probs.length, probs[0]!.length); // 2 3
 * ```
 */
export async function predict(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: { readonly batchSize?: number } = {},
): Promise<Float32Array[]> {
  await ensureBackend(); // the fastest backend, unless the user chose one
  const batchSize = options.batchSize ?? 256;
  const order = epochOrder(dataset.size);
  const out: Float32Array[] = [];
  for (let at = 0; at < order.length; at += batchSize) {
    const b = dataset.batch(order.subarray(at, at + batchSize));
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.size, ...dataset.shape]);
      return tf.softmax(model.apply(x, { training: false }) as tf.Tensor2D);
    });
    let data: Float32Array;
    try {
      data = await probs.data<"float32">();
    } finally {
      probs.dispose();
    }
    const k = dataset.classes;
    for (let i = 0; i < b.size; i++) out.push(data.slice(i * k, (i + 1) * k));
  }
  return out;
}
