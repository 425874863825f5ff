/**
 * CIFAR-10 for training: reads the official binary layout from a folder, a `.tar.gz` or a URL
 * (downloading and caching the official archive by default), extracts safely, checks every
 * record, and builds normalised, augmented NHWC batches per step from a seeded generator.
 *
 * @example
 * ```ts ignore
 * import { batches, cifarDataset, loadCifar10, Rng } from "@graft/graft/data";
 * const data = await loadCifar10({ data: "../shared/cifar10/cifar-10-binary.tar.gz", limitTrain: 1000 });
 * const train = cifarDataset(data.train, { augment: true });
 * for (const batch of batches(train, { batchSize: 128, rng: new Rng(0) })) {
 *   console.log(batch.shape); // [128, 32, 32, 3]
 * }
 * ```
 *
 * @module
 */
export {
  CIFAR10_CLASSES,
  CIFAR10_MD5,
  CIFAR10_MEAN,
  CIFAR10_STD,
  CIFAR10_URL,
} from "./constants.ts";
export * from "./errors.ts";
export * from "./rng.ts";
export * from "./records.ts";
export * from "./split.ts";
export * from "./holdout.ts";
export * from "./load.ts";
export * from "./dataset.ts";
