/**
 * Graft: adapt existing neural networks with a typed, fluent DSL, compile them to
 * TensorFlow.js, and train them.
 *
 * The root module exports what a user needs to load an architecture, edit it, build it, load
 * weights, train and evaluate it. The building blocks behind them (the op table, weight-file
 * codecs, data readers, backend registration, the training step) stay behind the subpath exports
 * `@graft/graft/dsl`, `/weights`, `/data`, `/backends`, `/train`, `/compile`, `/tfjs-kernels`,
 * `/errors` and `/cli`.
 *
 * @example The seed recipe, checked and built
 * ```ts
 * import { block, build, conv2d, relu, useBackend, vgg16 } from "@graft/graft";
 * await useBackend("cpu", { quiet: true });
 * const spec = vgg16({ inputShape: [32, 32, 3] })
 *   .replaceHead(10)
 *   .insert(block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]), {
 *     after: "features.29",
 *   })
 *   .drop(2)
 *   .freeze("features");
 * console.log(spec.summary().trainable > 0);
 * ```
 *
 * @module
 */
export { type ExitCode, GraftError, type Problem } from "./errors/mod.ts";
export {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  useBackend,
  type UseBackendOptions,
} from "./backends/mod.ts";
export {
  adaptiveAvgPool2d,
  add,
  avgPool2d,
  batchNorm,
  block,
  concat,
  conv2d,
  type Conv2dOptions,
  dense,
  dropout,
  flatten,
  fromJSON,
  globalAvgPool2d,
  graph,
  type Layer,
  maxPool2d,
  type Op,
  type Padding,
  relu,
  resnet,
  resnet101,
  resnet152,
  resnet18,
  resnet34,
  resnet50,
  type ResnetOptions,
  sequential,
  type Shape,
  ShapeError,
  smallVgg,
  type SmallVggOptions,
  Spec,
  type SpecData,
  SpecError,
  type SpecNode,
  Summary,
  vgg11,
  vgg13,
  vgg16,
  vgg19,
  vggFeatures,
  type VggOptions,
} from "./dsl/mod.ts";
export { build, type BuildOptions } from "./compile/mod.ts";
export {
  buildWithWeights,
  type BuildWithWeightsOptions,
  exportTfjs,
  type LoadReport,
  loadWeights,
  type LoadWeightsOptions,
  readCheckpoint,
  resolveWeights,
  saveCheckpoint,
  WeightsError,
} from "./weights/mod.ts";
export {
  arrayDataset,
  CIFAR10_CLASSES,
  cifarDataset,
  DataError,
  type Dataset,
  type HeldOut,
  holdOut,
  loadCifar10,
  type LoadCifar10Options,
} from "./data/mod.ts";
export {
  type Callback,
  checkpointing,
  consoleLogger,
  earlyStopping,
  type EpochEndEvent,
  evaluate,
  type Evaluation,
  type OptimizerConfig,
  type Schedule,
  train,
  TrainError,
  type TrainOptions,
  type TrainResult,
} from "./train/mod.ts";
