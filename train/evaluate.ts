import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type Dataset, epochOrder } from "../data/mod.ts";
import { crossEntropy } from "./loss.ts";
import { ensureBackendSync } from "../backends/mod.ts";

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

/**
 * Evaluates a model on a dataset in inference mode (no augmentation, dropout off, BatchNorm
 * with its moving statistics): loss, top-1 and top-5 accuracy, per-class accuracy and the
 * confusion matrix. Leaves no tensors behind.
 *
 * @example
 * ```ts ignore
 * import { evaluate } from "@graft/graft/train";
 * const result = evaluate(model, testSet);
 * console.log(result.top1, result.confusion[3]);
 * ```
 */
export function evaluate(
  model: tfl.LayersModel,
  dataset: Dataset,
  options: EvaluateOptions = {},
): Evaluation {
  ensureBackendSync();
  const batchSize = options.batchSize ?? 256;
  const k = dataset.classes;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const order = epochOrder(dataset.size);
  let lossSum = 0;
  let top5 = 0;
  const keep = options.mistakes ?? 32;
  let mistakes: Mistake[] = [];
  for (let at = 0; at < order.length; at += batchSize) {
    const b = dataset.batch(order.subarray(at, at + batchSize));
    const [lossT, predT, inTop5T, confT] = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.size, ...dataset.shape]);
      const y = tf.tensor1d(b.labels, "int32");
      const logits = model.apply(x, { training: false }) as tf.Tensor2D;
      const loss = tf.mul(crossEntropy(logits, y), b.size);
      const pred = tf.argMax(logits, -1);
      const { indices } = tf.topk(logits, Math.min(5, k));
      const hit = tf.sum(tf.cast(tf.equal(indices, tf.expandDims(y, 1)), "int32"));
      const conf = tf.max(tf.softmax(logits), -1);
      return [loss, pred, hit, conf];
    });
    lossSum += lossT.dataSync()[0]!;
    const pred = predT.dataSync();
    const conf = confT.dataSync();
    top5 += inTop5T.dataSync()[0]!;
    tf.dispose([lossT, predT, inTop5T, confT]);
    for (let i = 0; i < b.size; i++) {
      const label = b.labels[i]!, predicted = pred[i]!;
      confusion[label]![predicted]!++;
      if (label !== predicted && keep > 0) {
        mistakes.push({ index: order[at + i]!, label, predicted, confidence: conf[i]! });
      }
    }
    if (mistakes.length > 4 * keep) mistakes = worst(mistakes, keep);
    options.onBatch?.(Math.min(at + batchSize, order.length), order.length);
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
