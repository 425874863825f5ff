import { IMAGE_BYTES } from "./constants.ts";
import type { CifarRecords } from "./records.ts";

/**
 * One split of CIFAR-10 (train or test) held as raw bytes: labels and planar RGB pixels. Tensors
 * are only made per batch (see {@linkcode batches}), never for the whole split.
 *
 * @example
 * ```ts
 * import { CifarSplit } from "@graft/graft/data";
 * const split = new CifarSplit("train", { labels: new Uint8Array(2), pixels: new Uint8Array(6144) });
 * console.log(split.size, split.limit(1).size); // 2 1
 * ```
 */
export class CifarSplit {
  /** `train` or `test` (or a name of your own). */
  readonly name: string;
  /** One label (0–9) per image. */
  readonly labels: Uint8Array;
  /** 3,072 bytes per image: 1,024 red, 1,024 green, 1,024 blue, each row-major 32×32. */
  readonly pixels: Uint8Array;

  /** Wraps decoded records; `pixels` must hold 3,072 bytes per label. */
  constructor(name: string, records: CifarRecords) {
    if (records.pixels.length !== records.labels.length * IMAGE_BYTES) {
      throw new RangeError(
        `Invalid CIFAR-10 split ${name}: ${records.labels.length} labels but ` +
          `${records.pixels.length} pixel bytes`,
      );
    }
    this.name = name;
    this.labels = records.labels;
    this.pixels = records.pixels;
  }

  /** Number of images. */
  get size(): number {
    return this.labels.length;
  }

  /** The first `n` images (all of them when `n` is undefined or larger than the split). */
  limit(n: number | undefined): CifarSplit {
    if (n === undefined || n >= this.size) return this;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Invalid limit for split ${this.name}: expected a positive integer, got ${n}`,
      );
    }
    return new CifarSplit(this.name, {
      labels: this.labels.subarray(0, n),
      pixels: this.pixels.subarray(0, n * IMAGE_BYTES),
    });
  }

  /** The images at `indices`, in that order, copied into a new split named `name`. */
  select(indices: ArrayLike<number>, name: string = this.name): CifarSplit {
    const labels = new Uint8Array(indices.length);
    const pixels = new Uint8Array(indices.length * IMAGE_BYTES);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!(Number.isInteger(i) && i >= 0 && i < this.size)) {
        throw new RangeError(`Invalid index ${i} for split ${this.name} of ${this.size} images`);
      }
      labels[k] = this.labels[i]!;
      pixels.set(this.pixels.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), k * IMAGE_BYTES);
    }
    return new CifarSplit(name, { labels, pixels });
  }

  /** How many images of each class (index = label). */
  histogram(classes = 10): number[] {
    const h = new Array<number>(classes).fill(0);
    for (const l of this.labels) h[l] = (h[l] ?? 0) + 1;
    return h;
  }
}
