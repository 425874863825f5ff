import { eventTurn } from "./_event_turn.ts";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type Dataset, epochOrder } from "../data/mod.ts";
import { crossEntropy } from "./loss.ts";
import { ensureBackend } from "../backends/mod.ts";
import { prefetchToDevice } from "../backends/webgpu/prefetch.ts";

/**
 * A model's results on a dataset.
 *
 * @example
 * ```ts
 * import type { Evaluation } from "@graft/graft/train";
 * const show = (e: Evaluation) => console.log(`top-1 ${(e.top1 * 100).toFixed(1)}%`);
 * ```
 */
export interface Evaluation {
  /** Images evaluated. */
  readonly count: number;
  /** Mean cross-entropy (no label smoothing). */
  readonly loss: number;
  /** Fraction whose highest logit is the label. */
  readonly top1: number;
  /** Fraction whose label is among the five highest logits (all of them with fewer classes). */
  readonly top5: number;
  /** Top-1 accuracy of each class (NaN for a class with no images). */
  readonly perClass: readonly number[];
  /** `confusion[label][predicted]` counts. */
  readonly confusion: readonly (readonly number[])[];
  /** The most confident wrong predictions, most confident first (at most `mistakes`). */
  readonly mistakes: readonly Mistake[];
}

/**
 * One wrong prediction of {@linkcode evaluate}: which image, its label, the predicted class and
 * the softmax probability the model gave it.
 *
 * @example
 * ```ts
 * import type { Mistake } from "@graft/graft/train";
 * const m: Mistake = { index: 7, label: 3, predicted: 5, confidence: 0.93 };
 * ```
 */
export interface Mistake {
  /** Index of the image in the dataset. */
  readonly index: number;
  /** Its true class. */
  readonly label: number;
  /** The class the model chose. */
  readonly predicted: number;
  /** Probability of the chosen class. */
  readonly confidence: number;
}

/**
 * Options of {@linkcode evaluate}.
 *
 * @example
 * ```ts
 * import type { EvaluateOptions } from "@graft/graft/train";
 * const o: EvaluateOptions = { batchSize: 256 };
 * ```
 */
export interface EvaluateOptions {
  /** Images per forward pass. Default: 256. */
  readonly batchSize?: number;
  /** How many of the most confident mistakes to keep. Default: 32. */
  readonly mistakes?: number;
  /** Called after each forward pass with images done and the total (progress displays). */
  readonly onBatch?: (done: number, total: number) => void;
}

/** Batches evaluated between two reads from the device. */
const READ_EVERY = 8;

/**
 * Evaluates a model on a dataset in inference mode (no augmentation, dropout off, BatchNorm
 * with its moving statistics): loss, top-1 and top-5 accuracy, per-class accuracy and the
 * confusion matrix. Batches are uploaded one ahead and results read back asynchronously every
 * few batches, so it runs on any backend (WebGPU included) without stalling the device. Leaves
 * no tensors behind.
 *
 * @example
 * ```ts ignore
 * import { evaluate } from "@graft/graft/train";
 * const result = await evaluate(model, testSet);
 * console.log(result.top1, result.confusion[3]);
 * ```
 */
export async function evaluate(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  await ensureBackend();
  const batchSize = options.batchSize ?? 256;
  const k = dataset.classes;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const order = epochOrder(dataset.size);
  let lossSum = 0;
  let top5 = 0;
  const keep = options.mistakes ?? 32;
  let mistakes: Mistake[] = [];
  let done = 0;
  let pending: {
    labels: Int32Array;
    start: number;
    pred: tf.Tensor;
    stats: tf.Tensor;
    conf: tf.Tensor;
  }[] = [];
  const read = async () => {
    const batch = pending;
    pending = [];
    try {
      const preds = await Promise.all(batch.map((b) => b.pred.data<"int32">()));
      const stats = await Promise.all(batch.map((b) => b.stats.data<"float32">()));
      const confs = await Promise.all(batch.map((b) => b.conf.data<"float32">()));
      batch.forEach((b, j) => {
        lossSum += stats[j]![0]!;
        top5 += stats[j]![1]!;
        for (let i = 0; i < b.labels.length; i++) {
          const label = b.labels[i]!, predicted = preds[j]![i]!;
          confusion[label]![predicted]!++;
          if (label !== predicted && keep > 0) {
            const index = order[b.start + i]!;
            mistakes.push({ index, label, predicted, confidence: confs[j]![i]! });
          }
        }
        done += b.labels.length;
      });
      if (mistakes.length > 4 * keep) mistakes = worst(mistakes, keep);
      if (batch.length) options.onBatch?.(done, order.length);
    } finally {
      tf.dispose(batch.flatMap((b) => [b.pred, b.stats, b.conf]));
    }
  };
  const starts: number[] = [];
  for (let at = 0; at < order.length; at += batchSize) starts.push(at);
  const hostBatches = (function* () {
    for (const at of starts) yield dataset.batch(order.subarray(at, at + batchSize));
  })();
  const labels: Int32Array[] = []; // host labels of the batches made, in order
  let made = 0;
  try {
    for await (
      const b of prefetchToDevice(hostBatches, (h) => {
        labels.push(Int32Array.from(h.labels));
        return {
          x: tf.tensor4d(h.x, [h.size, ...dataset.shape]),
          y: tf.tensor1d(h.labels, "int32"),
        };
      })
    ) {
      const batchLabels = labels.shift()!;
      const start = starts[made++]!;
      const [pred, stats, conf] = tf.tidy(() => {
        const logits = model.apply(b.x, { training: false }) as tf.Tensor2D;
        const n = batchLabels.length;
        const loss = tf.mul(crossEntropy(logits, b.y), n);
        const { indices } = tf.topk(logits, Math.min(5, k));
        const hit = tf.sum(tf.cast(tf.equal(indices, tf.expandDims(b.y, 1)), "float32"));
        const conf = tf.max(tf.softmax(logits), -1);
        return [tf.argMax(logits, -1), tf.stack([tf.reshape(loss, []), hit]), conf];
      });
      tf.dispose([b.x, b.y]);
      pending.push({ labels: batchLabels, start, pred, stats, conf });
      if (pending.length >= READ_EVERY) await read();
      await eventTurn();
    }
    await read();
  } finally {
    tf.dispose(pending.flatMap((b) => [b.pred, b.stats, b.conf]));
  }
  const n = dataset.size;
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  return {
    count: n,
    loss: n ? lossSum / n : NaN,
    top1: n ? correct / n : NaN,
    top5: n ? top5 / n : NaN,
    perClass: confusion.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return total ? row[i]! / total : NaN;
    }),
    confusion,
    mistakes: worst(mistakes, keep),
  };
}

function worst(mistakes: Mistake[], keep: number): Mistake[] {
  return mistakes.sort((a, b) => b.confidence - a.confidence || a.index - b.index).slice(0, keep);
}
