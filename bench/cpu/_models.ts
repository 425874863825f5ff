/**
 * The models of the CPU benchmark, written in the Graft DSL.
 *
 * @module
 */
import {
  conv2d,
  dense,
  flatten,
  maxPool2d,
  relu,
  resnet18,
  sequential,
  type Spec,
  vgg16,
} from "../../dsl/mod.ts";

/** Benchmark model names, shared with `torch_bench.py`. */
export type BenchModel =
  | "cifar_vgg16"
  | "cifar_vgg16_bn"
  | "seed_recipe"
  | "small_cnn"
  | "cifar_resnet18";

/** Every benchmark model, in the order they run. */
export const BENCH_MODELS: readonly BenchModel[] = [
  "cifar_vgg16",
  "cifar_vgg16_bn",
  "seed_recipe",
  "small_cnn",
  "cifar_resnet18",
];

/**
 * The Graft spec of a benchmark model.
 *
 * - `cifar_vgg16`: VGG16 features, then one 10-way dense layer (32x32 input gives 1x1x512).
 * - `cifar_vgg16_bn`: the same with BatchNorm after every convolution (torchvision's vgg16_bn).
 * - `seed_recipe`: torchvision-layout VGG16 at 32x32 (adaptive pool to 7x7), head replaced with
 *   10 classes, `features` frozen.
 * - `small_cnn`: conv 32, relu, pool, conv 64, relu, pool, dense 10.
 * - `cifar_resnet18`: torchvision's ResNet-18 with the CIFAR stem (3×3 stride-1 `conv1`, no
 *   max pool), 10 classes.
 *
 * @example
 * ```ts
 * const spec = benchSpec("seed_recipe");
 * ```
 */
export function benchSpec(name: BenchModel): Spec {
  switch (name) {
    case "cifar_vgg16":
      return vgg16({ inputShape: [32, 32, 3] }).drop("avgpool").drop("classifier").insert(dense(10))
        .check();
    case "cifar_vgg16_bn":
      return vgg16({ inputShape: [32, 32, 3], batchNorm: true }).drop("avgpool").drop("classifier")
        .insert(dense(10)).check();
    case "seed_recipe":
      return vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).freeze("features")
        .check();
    case "small_cnn":
      return sequential("small_cnn", [32, 32, 3], {
        features: [
          conv2d(32, 3, { padding: 1 }),
          relu(),
          maxPool2d(2),
          conv2d(64, 3, { padding: 1 }),
          relu(),
          maxPool2d(2),
        ],
        classifier: [flatten(), dense(10)],
      }).check();
    case "cifar_resnet18":
      return resnet18({ inputShape: [32, 32, 3], classes: 10, cifarStem: true }).check();
  }
}
