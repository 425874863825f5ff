import * as tf from "@tensorflow/tfjs-core";

/**
 * Mean cross-entropy of logits against integer labels, with optional label smoothing as in
 * PyTorch (`(1 - ε) · onehot + ε / classes`).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { crossEntropy } from "@graft/graft/train";
 * const loss = crossEntropy(tf.tensor2d([[2, 0]]), tf.tensor1d([0], "int32"));
 * console.log(loss.dataSync()[0]); // 0.1269...
 * ```
 */
export function crossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  labelSmoothing = 0,
): tf.Tensor {
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(labels, "int32"), classes);
    const target = labelSmoothing
      ? tf.add(tf.mul(onehot, 1 - labelSmoothing), labelSmoothing / classes)
      : onehot;
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), -1))) as tf.Tensor;
  });
}
