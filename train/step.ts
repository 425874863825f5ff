import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { crossEntropy } from "./loss.ts";
import type { Optimizer } from "./optimizers.ts";

/**
 * One batch on the device: images `[n, H, W, C]` (float32) and labels `[n]` (int32).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import type { DeviceBatch } from "@graft/graft/train";
 * const b: DeviceBatch = { x: tf.zeros([2, 4, 4, 1]), y: tf.tensor1d([0, 1], "int32") };
 * ```
 */
export interface DeviceBatch {
  /** Images, channels last. */
  readonly x: tf.Tensor;
  /** Integer labels. */
  readonly y: tf.Tensor;
}

/**
 * What one step leaves on the device: the batch's mean loss and its number of correct top-1
 * predictions, as scalars the caller disposes. Nothing is read back, so the device runs ahead.
 *
 * @example
 * ```ts
 * import type { StepOutput } from "@graft/graft/train";
 * const free = (o: StepOutput) => o.loss.dispose();
 * ```
 */
export interface StepOutput {
  /** Mean cross-entropy of the batch (with label smoothing when set). */
  readonly loss: tf.Scalar;
  /** Correct top-1 predictions in the batch. */
  readonly hits: tf.Scalar;
}

/**
 * One training update: forward in training mode, gradients of the cross-entropy for the
 * optimizer's (trainable) weights only, and the optimizer's update at learning rates `lr` (by
 * group). Reads nothing back from the device; leaves no tensors but the two it returns, and
 * disposes nothing it was given.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { build } from "@graft/graft/compile";
 * import { dense, flatten, sequential } from "@graft/graft/dsl";
 * import { modelWeights, Optimizer, trainStep } from "@graft/graft/train";
 * const model = build(sequential("t", [2, 2, 1], { classifier: [flatten(), dense(2)] }));
 * const params = modelWeights(model).filter((w) => w.trainable);
 * const optimizer = new Optimizer({ type: "sgd", lr: 0.1 }, params);
 * const batch = { x: tf.ones([2, 2, 2, 1]), y: tf.tensor1d([0, 1], "int32") };
 * const { loss, hits } = trainStep(model, optimizer, batch, { classifier: 0.1 });
 * console.log(await loss.data(), await hits.data());
 * tf.dispose([loss, hits, batch.x, batch.y]);
 * ```
 */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: Optimizer,
  batch: DeviceBatch,
  lr: Readonly<Record<string, number>>,
  options: { readonly labelSmoothing?: number } = {},
): StepOutput {
  const params = optimizer.params;
  const keyOf = new Map(params.map((p) => [p.variable.name, p.key]));
  let hits: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), batch.y), "float32")));
    return crossEntropy(logits, batch.y, options.labelSmoothing ?? 0) as tf.Scalar;
  }, params.map((p) => p.variable));
  const byKey = new Map<string, tf.Tensor>();
  for (const [name, g] of Object.entries(grads)) byKey.set(keyOf.get(name)!, g);
  try {
    optimizer.apply(byKey, lr);
  } finally {
    tf.dispose(Object.values(grads));
  }
  return { loss: value, hits: hits! };
}
