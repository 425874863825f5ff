/**
 * Training: `train(model, spec, options)` runs a custom loop over a model's trainable weights
 * only, with SGD (momentum, Nesterov, weight decay), Adam and AdamW, per-group learning rates,
 * per-step schedules, label smoothing, typed callbacks (early stopping, checkpointing, a console
 * logger), evaluation (top-1, top-5, per class, confusion matrix) and checkpoints to resume
 * from. It reads results from the device asynchronously only, so it runs on WebGPU too.
 *
 * @example
 * ```ts ignore
 * import { vgg11 } from "@graft/graft/dsl";
 * import { build } from "@graft/graft/compile";
 * import { cifarDataset, loadCifar10 } from "@graft/graft/data";
 * import { consoleLogger, train } from "@graft/graft/train";
 * const data = await loadCifar10({ data: "cifar-10-binary.tar.gz", limitTrain: 2000 });
 * const spec = vgg11({ inputShape: [32, 32, 3], classes: 10 });
 * const result = await train(build(spec, { seed: 0 }), spec, {
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
export * from "./config.ts";
export * from "./state.ts";
export { trainStateOf } from "./_resume.ts";
export * from "./step.ts";
export * from "./train.ts";
export * from "./console_logger.ts";
export * from "./early_stopping.ts";
export * from "./checkpointing.ts";
export * from "./evaluate.ts";
export * from "./predict.ts";
export { crossEntropy } from "./loss.ts";
export { type ModelWeight, modelWeights } from "./params.ts";
export { scheduleFactor } from "./schedules.ts";
export { Optimizer, type OptimizerState } from "./optimizers.ts";
