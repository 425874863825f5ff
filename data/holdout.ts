import { DataError } from "./errors.ts";
import { Rng } from "./rng.ts";
import type { CifarSplit } from "./split.ts";

/**
 * A training split divided into the images to train on and a validation split held out of them.
 *
 * @example
 * ```ts
 * import type { HeldOut } from "@graft/graft/data";
 * const show = (h: HeldOut) => console.log(h.train.size, h.validation.size);
 * ```
 */
export interface HeldOut {
  /** The images left to train on, in their original order. */
  readonly train: CifarSplit;
  /** The held-out images, in their original order (empty when `n` is 0). */
  readonly validation: CifarSplit;
}

/**
 * Holds `n` images out of `split` as a validation split, stratified: each class gives its share
 * of `n` (largest remainders first), the images of a class chosen by a generator seeded with
 * `seed`, so the same seed always holds out the same images. Both parts keep the original order.
 * Throws a {@linkcode DataError} when `n` would leave nothing to train on.
 *
 * @example
 * ```ts
 * import { CifarSplit, holdOut } from "@graft/graft/data";
 * const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 2);
 * const split = new CifarSplit("train", { labels, pixels: new Uint8Array(20 * 3072) });
 * const { train, validation } = holdOut(split, 4, 7);
 * console.log(train.size, validation.size, validation.histogram(2)); // 16 4 [ 2, 2 ]
 * ```
 */
export function holdOut(split: CifarSplit, n: number, seed: number): HeldOut {
  if (!Number.isInteger(n) || n < 0) {
    throw new DataError([{
      file: split.name,
      message: `cannot hold out ${n} images: expected an integer >= 0`,
    }], "Cannot make a validation split");
  }
  if (n >= split.size && n > 0) {
    throw new DataError([{
      file: split.name,
      message: `has ${split.size} images, too few to hold out ${n} for validation and train ` +
        `on the rest: hold out fewer (data.validation, --validation)`,
    }], "Cannot make a validation split");
  }
  const byClass = new Map<number, number[]>();
  split.labels.forEach((label, i) => {
    const list = byClass.get(label);
    if (list) list.push(i);
    else byClass.set(label, [i]);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  // Each class's exact share, floored; the remaining images go to the largest remainders.
  const exact = classes.map((c) => (byClass.get(c)!.length * n) / split.size);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const order = classes.map((_, k) => k).sort((a, b) =>
    (exact[b]! - take[b]!) - (exact[a]! - take[a]!) || a - b
  );
  for (const k of order) {
    if (left === 0) break;
    take[k]!++;
    left--;
  }
  const rng = new Rng(seed);
  const held = new Uint8Array(split.size);
  classes.forEach((c, k) => {
    const members = byClass.get(c)!;
    const perm = rng.permutation(members.length);
    for (let j = 0; j < take[k]!; j++) held[members[perm[j]!]!] = 1;
  });
  const keep: number[] = [];
  const val: number[] = [];
  held.forEach((h, i) => (h ? val : keep).push(i));
  return {
    train: split.select(keep, split.name),
    validation: split.select(val, "validation"),
  };
}
