/**
 * The ten CIFAR-10 class names, in label order.
 *
 * @example
 * ```ts
 * import { CIFAR10_CLASSES } from "@graft/graft/data";
 * console.log(CIFAR10_CLASSES[3]); // "cat"
 * ```
 */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
]);

/**
 * Per-channel (R, G, B) mean of the CIFAR-10 training images, pixels scaled to [0, 1].
 *
 * @example
 * ```ts
 * import { CIFAR10_MEAN } from "@graft/graft/data";
 * console.log(CIFAR10_MEAN[0]); // 0.4914
 * ```
 */
export const CIFAR10_MEAN: readonly [number, number, number] = Object.freeze(
  [0.4914, 0.4822, 0.4465] as const,
);

/**
 * Per-channel (R, G, B) standard deviation of the CIFAR-10 training images, pixels in [0, 1].
 *
 * @example
 * ```ts
 * import { CIFAR10_STD } from "@graft/graft/data";
 * console.log(CIFAR10_STD[2]); // 0.2616
 * ```
 */
export const CIFAR10_STD: readonly [number, number, number] = Object.freeze(
  [0.2470, 0.2435, 0.2616] as const,
);

/**
 * Where the official binary archive is downloaded from when no `data` is given.
 *
 * @example
 * ```ts
 * import { CIFAR10_URL } from "@graft/graft/data";
 * console.log(CIFAR10_URL.endsWith(".tar.gz")); // true
 * ```
 */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

/**
 * md5 of the official archive at {@linkcode CIFAR10_URL}, verified after downloading it.
 *
 * @example
 * ```ts
 * import { CIFAR10_MD5 } from "@graft/graft/data";
 * console.log(CIFAR10_MD5.length); // 32
 * ```
 */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

/** Bytes per record: one label byte then 1,024 red, 1,024 green and 1,024 blue bytes. */
export const RECORD_BYTES = 3073;

/** Pixel bytes per image (32 × 32 × 3). */
export const IMAGE_BYTES = 3072;

/** The folder inside the archive. */
export const BATCH_DIR = "cifar-10-batches-bin";

/** Training batch files, in order. */
export const TRAIN_FILES: readonly string[] = Object.freeze([
  "data_batch_1.bin",
  "data_batch_2.bin",
  "data_batch_3.bin",
  "data_batch_4.bin",
  "data_batch_5.bin",
]);

/** The test batch file. */
export const TEST_FILE = "test_batch.bin";

/** Every member a CIFAR-10 binary archive may hold (below {@linkcode BATCH_DIR}). */
export const ARCHIVE_MEMBERS: readonly string[] = Object.freeze([
  ...TRAIN_FILES,
  TEST_FILE,
  "batches.meta.txt",
  "readme.html",
]);
