import { CIFAR10_MEAN, CIFAR10_STD } from "./constants.ts";
import type { Rng } from "./rng.ts";
import { axis, resizeInto } from "./_resize.ts";
import type { CifarSplit } from "./split.ts";

/**
 * One batch as plain arrays: images NHWC float32 and integer labels.
 *
 * @example
 * ```ts
 * import type { BatchArrays } from "@graft/graft/data";
 * const b: BatchArrays = { x: new Float32Array(3072), labels: new Int32Array([4]), size: 1 };
 * ```
 */
export interface BatchArrays {
  /** `size × H × W × C` values, channels last. */
  readonly x: Float32Array;
  /** One class index per image. */
  readonly labels: Int32Array;
  /** Images in the batch. */
  readonly size: number;
}

/**
 * What the training loop reads: a sized, indexable set of labelled images that builds batches
 * on request (no tensors are held between batches).
 *
 * @example A dataset of your own
 * ```ts
 * import { arrayDataset, type Dataset } from "@graft/graft/data";
 * const ds: Dataset = arrayDataset(new Float32Array(2 * 4 * 4 * 1), new Int32Array([0, 1]), [4, 4, 1], 2);
 * console.log(ds.size); // 2
 * ```
 */
export interface Dataset {
  /** Number of images. */
  readonly size: number;
  /** Image shape `[H, W, C]`. */
  readonly shape: readonly [number, number, number];
  /** Number of classes. */
  readonly classes: number;
  /** Labels of every image, in order (for evaluation and histograms). */
  readonly labels: ArrayLike<number>;
  /**
   * Builds the batch of the given images. With an `rng`, applies the dataset's training
   * augmentation drawing from it; without, returns the images as they are.
   */
  batch(indices: ArrayLike<number>, rng?: Rng): BatchArrays;
}

/**
 * Options of {@linkcode cifarDataset}.
 *
 * @example
 * ```ts
 * import type { CifarDatasetOptions } from "@graft/graft/data";
 * const o: CifarDatasetOptions = { augment: true };
 * ```
 */
export interface CifarDatasetOptions {
  /** Random crop with 4-pixel zero padding and horizontal flip when batches get an rng. Default: false. */
  readonly augment?: boolean;
  /** Subtract the CIFAR-10 mean and divide by its std per channel. Default: true (else [0, 1]). */
  readonly normalize?: boolean;
  /**
   * Resize every image (after augmentation) to `[height, width]` (or a square side) with
   * bilinear filtering as torchvision's `Resize` does, e.g. 224 for a base pretrained on
   * ImageNet. Default: none (32×32).
   */
  readonly resize?: number | readonly [number, number];
}

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PAD = 4;

/**
 * A CIFAR-10 split as a {@linkcode Dataset}: batches are 32×32×3 NHWC float32, normalised per
 * channel with the CIFAR-10 mean/std, and (with `augment`) randomly cropped from the image padded
 * by 4 pixels and flipped horizontally half the time, drawing from the rng the loop passes.
 * With `resize`, each image is then resized bilinearly (torchvision's `Resize`).
 *
 * @example
 * ```ts
 * import { CifarSplit, cifarDataset, Rng } from "@graft/graft/data";
 * const split = new CifarSplit("train", { labels: new Uint8Array(1), pixels: new Uint8Array(3072) });
 * const batch = cifarDataset(split, { augment: true }).batch([0], new Rng(1));
 * console.log(batch.x.length); // 3072
 * ```
 */
export function cifarDataset(split: CifarSplit, options: CifarDatasetOptions = {}): Dataset {
  const augment = options.augment ?? false;
  const normalize = options.normalize ?? true;
  const scale = [0, 1, 2].map((c) => normalize ? 1 / (255 * CIFAR10_STD[c]!) : 1 / 255);
  const shift = [0, 1, 2].map((c) => normalize ? -CIFAR10_MEAN[c]! / CIFAR10_STD[c]! : 0);
  const { pixels, labels } = split;
  const [rh, rw] = typeof options.resize === "number"
    ? [options.resize, options.resize]
    : options.resize ?? [SIDE, SIDE];
  if (!(Number.isInteger(rh) && Number.isInteger(rw) && rh >= 1 && rw >= 1)) {
    throw new RangeError(`Invalid resize: expected positive integers, got [${rh}, ${rw}]`);
  }
  const resized = rh !== SIDE || rw !== SIDE;
  const ys = resized ? axis(SIDE, rh) : undefined;
  const xs = resized ? axis(SIDE, rw) : undefined;
  return {
    size: split.size,
    shape: [rh, rw, 3],
    classes: 10,
    labels,
    batch(indices: ArrayLike<number>, rng?: Rng): BatchArrays {
      const n = indices.length;
      const x = new Float32Array(n * PLANE * 3);
      const out = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b]!;
        out[b] = labels[i]!;
        const src = i * PLANE * 3;
        let dy = 0, dx = 0, flip = false;
        if (augment && rng) {
          dy = rng.int(2 * PAD + 1) - PAD;
          dx = rng.int(2 * PAD + 1) - PAD;
          flip = rng.next() < 0.5;
        }
        const base = b * PLANE * 3;
        for (let y = 0; y < SIDE; y++) {
          const sy = y + dy;
          for (let xx = 0; xx < SIDE; xx++) {
            const o = base + (y * SIDE + xx) * 3;
            const sx0 = flip ? SIDE - 1 - xx : xx;
            const sx = sx0 + dx;
            const inside = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE;
            const p = src + sy * SIDE + sx;
            for (let c = 0; c < 3; c++) {
              const raw = inside ? pixels[p + c * PLANE]! : 0;
              x[o + c] = raw * scale[c]! + shift[c]!;
            }
          }
        }
      }
      if (!ys || !xs) return { x, labels: out, size: n };
      const big = new Float32Array(n * rh * rw * 3);
      const tmp = new Float32Array(SIDE * rw * 3);
      for (let b = 0; b < n; b++) {
        resizeInto(x.subarray(b * PLANE * 3), SIDE, SIDE, 3, ys, xs, tmp, big, b * rh * rw * 3);
      }
      return { x: big, labels: out, size: n };
    },
  };
}

/**
 * A {@linkcode Dataset} over images already in memory (NHWC float32), e.g. generated data for
 * tests or a dataset of your own. With an rng, batches are flipped horizontally half the time
 * when `flip` is set; otherwise returned as stored.
 *
 * @example
 * ```ts
 * import { arrayDataset } from "@graft/graft/data";
 * const ds = arrayDataset(new Float32Array([1, 2, 3, 4]), new Int32Array([0, 1]), [1, 2, 1], 2);
 * console.log(Array.from(ds.batch([1]).x)); // [3, 4]
 * ```
 */
export function arrayDataset(
  x: Float32Array,
  labels: Int32Array | Uint8Array,
  shape: readonly [number, number, number],
  classes: number,
  options: { readonly flip?: boolean } = {},
): Dataset {
  const [h, w, c] = shape;
  const per = h * w * c;
  if (x.length !== labels.length * per) {
    throw new RangeError(
      `Invalid array dataset: ${labels.length} labels of shape [${shape}] need ${
        labels.length * per
      } values, got ${x.length}`,
    );
  }
  return {
    size: labels.length,
    shape,
    classes,
    labels,
    batch(indices: ArrayLike<number>, rng?: Rng): BatchArrays {
      const n = indices.length;
      const out = new Float32Array(n * per);
      const ys = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const i = indices[b]!;
        ys[b] = labels[i]!;
        const src = x.subarray(i * per, (i + 1) * per);
        if (options.flip && rng && rng.next() < 0.5) {
          for (let yy = 0; yy < h; yy++) {
            for (let xx = 0; xx < w; xx++) {
              for (let ch = 0; ch < c; ch++) {
                out[b * per + (yy * w + xx) * c + ch] = src[(yy * w + (w - 1 - xx)) * c + ch]!;
              }
            }
          }
        } else {
          out.set(src, b * per);
        }
      }
      return { x: out, labels: ys, size: n };
    },
  };
}

/**
 * Options of {@linkcode batches}.
 *
 * @example
 * ```ts
 * import { Rng, type BatchesOptions } from "@graft/graft/data";
 * const o: BatchesOptions = { batchSize: 64, rng: new Rng(0), shuffle: true };
 * ```
 */
export interface BatchesOptions {
  /** Images per batch (the last batch may be smaller). */
  readonly batchSize: number;
  /** Draws the shuffle order and the augmentation; without it, order is kept and nothing is augmented. */
  readonly rng?: Rng;
  /** Shuffle the order (needs `rng`). Default: true when an rng is given. */
  readonly shuffle?: boolean;
}

/**
 * The order in which one epoch visits a dataset: shuffled from the rng, or 0..n-1.
 *
 * @example
 * ```ts
 * import { epochOrder, Rng } from "@graft/graft/data";
 * console.log(epochOrder(3).join()); // "0,1,2"
 * console.log(epochOrder(3, new Rng(7)).length); // 3
 * ```
 */
export function epochOrder(size: number, rng?: Rng): Uint32Array {
  if (rng) return rng.permutation(size);
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  return order;
}

/**
 * Iterates one epoch of a dataset as {@linkcode BatchArrays}, built per step (turn each into
 * tensors with `tf.tensor4d(b.x, b.shape)`; the training loop does this for you).
 *
 * @example
 * ```ts
 * import { arrayDataset, batches } from "@graft/graft/data";
 * const ds = arrayDataset(new Float32Array(6), new Int32Array([0, 1, 0]), [1, 2, 1], 2);
 * for (const b of batches(ds, { batchSize: 2 })) console.log(b.shape); // [2, 1, 2, 1] then [1, 1, 2, 1]
 * ```
 */
export function* batches(
  dataset: Dataset,
  options: BatchesOptions,
): Generator<BatchArrays & { readonly shape: [number, number, number, number] }> {
  const order = epochOrder(dataset.size, options.shuffle === false ? undefined : options.rng);
  for (let at = 0; at < order.length; at += options.batchSize) {
    const b = dataset.batch(order.subarray(at, at + options.batchSize), options.rng);
    yield { ...b, shape: [b.size, ...dataset.shape] };
  }
}
