/**
 * Training: `train(spec, options)` runs a custom loop over a spec's trainable weights only, with
 * SGD (momentum, Nesterov, weight decay), Adam and AdamW, per-group learning rates, per-step
 * schedules, label smoothing, typed callbacks (early stopping, checkpointing, a console logger),
 * evaluation (top-1, top-5, per class, confusion matrix) and atomic checkpoints to resume from.
 *
 * @example
 * ```ts ignore
 * import { vgg11 } from "@graft/graft/dsl";
 * import { cifarDataset, loadCifar10 } from "@graft/graft/data";
 * import { consoleLogger, train } from "@graft/graft/train";
 * const data = await loadCifar10({ data: "cifar-10-binary.tar.gz", limitTrain: 2000 });
 * const spec = vgg11({ inputShape: [32, 32, 3], classes: 10 });
 * const result = await train(spec, {
 *   train: cifarDataset(data.train, { augment: true }),
 *   validation: cifarDataset(data.test),
 *   epochs: 2,
 *   optimizer: { type: "sgd", lr: 0.01, momentum: 0.9 },
 *   callbacks: [consoleLogger()],
 * });
 * console.log(result.evaluation?.top1);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./events.ts";
export * from "./train.ts";
export * from "./callbacks.ts";
export * from "./console_logger.ts";
export * from "./evaluate.ts";
export * from "./predict.ts";
export * from "./checkpoint.ts";
export { crossEntropy } from "./loss.ts";
export { type ModelWeight, modelWeights } from "./params.ts";
export { type Schedule, scheduleFactor } from "./schedules.ts";
export type { LearningRates, OptimizerConfig, OptimizerState } from "./optimizers.ts";
