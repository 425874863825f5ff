import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  arrayDataset,
  batches,
  CIFAR10_MEAN,
  CIFAR10_STD,
  cifarDataset,
  CifarSplit,
  decodeBatches,
  epochOrder,
  Rng,
} from "../data/mod.ts";
import { records } from "./_data_fixtures.ts";

/** One image whose red plane holds its column index, green its row, blue 200. */
function gridSplit(): CifarSplit {
  const bytes = new Uint8Array(3073);
  bytes[0] = 4;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      bytes[1 + y * 32 + x] = x;
      bytes[1 + 1024 + y * 32 + x] = y;
      bytes[1 + 2048 + y * 32 + x] = 200;
    }
  }
  return new CifarSplit("train", decodeBatches([{ file: "grid.bin", bytes }]));
}

const nhwc = (x: Float32Array, y: number, xx: number, c: number) => x[(y * 32 + xx) * 3 + c]!;

Deno.test("batches are NHWC and normalised with the CIFAR-10 mean and std per channel", () => {
  const b = cifarDataset(gridSplit()).batch([0]);
  assert.equal(b.x.length, 32 * 32 * 3);
  assert.deepEqual(Array.from(b.labels), [4]);
  const norm = (v: number, c: number) => (v / 255 - CIFAR10_MEAN[c]!) / CIFAR10_STD[c]!;
  assert.ok(Math.abs(nhwc(b.x, 5, 7, 0) - norm(7, 0)) < 1e-5);
  assert.ok(Math.abs(nhwc(b.x, 5, 7, 1) - norm(5, 1)) < 1e-5);
  assert.ok(Math.abs(nhwc(b.x, 5, 7, 2) - norm(200, 2)) < 1e-5);
  const raw = cifarDataset(gridSplit(), { normalize: false }).batch([0]);
  assert.ok(Math.abs(nhwc(raw.x, 5, 7, 0) - 7 / 255) < 1e-7);
});

Deno.test("augmentation crops within 4 pixels of padding and flips, from the rng", () => {
  const ds = cifarDataset(gridSplit(), { augment: true, normalize: false });
  const seen = { flipped: 0, shifted: 0, padded: 0 };
  const rng = new Rng(3);
  for (let i = 0; i < 40; i++) {
    const x = ds.batch([0], rng).x;
    // Column values along row 10, centre pixel: either x+dx or (31-x)+dx.
    const row = Array.from({ length: 32 }, (_, c) => Math.round(nhwc(x, 10, c, 0) * 255));
    const blue = Math.round(nhwc(x, 10, 16, 2) * 255);
    assert.equal(blue, 200);
    const inner = row.slice(4, 28);
    const step = inner[1]! - inner[0]!;
    assert.ok(step === 1 || step === -1, `row ${row}`);
    if (step === -1) seen.flipped++;
    const shift = step === 1 ? inner[0]! - 4 : inner[0]! - 27;
    assert.ok(Math.abs(shift) <= 4, `shift ${shift}`);
    if (shift !== 0) seen.shifted++;
    if (Math.round(nhwc(x, 0, 0, 2) * 255) === 0 || Math.round(nhwc(x, 31, 31, 2) * 255) === 0) {
      seen.padded++;
    }
  }
  assert.ok(seen.flipped > 5 && seen.flipped < 35, JSON.stringify(seen));
  assert.ok(seen.shifted > 20 && seen.padded > 20, JSON.stringify(seen));
  // Without an rng (evaluation) nothing is augmented.
  const plain = ds.batch([0]).x;
  assert.equal(Math.round(nhwc(plain, 3, 9, 0) * 255), 9);
});

Deno.test("shuffling follows the seed and a saved rng state continues identically", () => {
  const a = epochOrder(50, new Rng(11));
  const b = epochOrder(50, new Rng(11));
  const c = epochOrder(50, new Rng(12));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  const rng = new Rng(5);
  rng.permutation(10);
  const resumed = Rng.fromState(rng.state());
  assert.deepEqual(rng.permutation(10), resumed.permutation(10));
  assert.throws(() => Rng.fromState([1, 2]), /Invalid random state/);
});

Deno.test("batches() makes tensors per step with a smaller last batch", () => {
  const labels = [0, 1, 2, 3, 4, 5, 6];
  const split = new CifarSplit("train", decodeBatches([{ file: "a.bin", bytes: records(labels) }]));
  const before = tf.memory().numTensors;
  const shapes: number[][] = [];
  const seen: number[] = [];
  for (const b of batches(cifarDataset(split), { batchSize: 3, rng: new Rng(1) })) {
    const x = tf.tensor4d(b.x, b.shape);
    const y = tf.tensor1d(b.labels, "int32");
    shapes.push(x.shape);
    seen.push(...y.dataSync());
    assert.equal(x.dtype, "float32");
    assert.equal(y.dtype, "int32");
    x.dispose();
    y.dispose();
  }
  assert.deepEqual(shapes, [[3, 32, 32, 3], [3, 32, 32, 3], [1, 32, 32, 3]]);
  assert.notDeepEqual(seen, labels); // shuffled order
  assert.deepEqual([...seen].sort(), labels);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("limit keeps the first images and histogram counts classes", () => {
  const split = new CifarSplit(
    "t",
    decodeBatches([{ file: "a.bin", bytes: records([1, 1, 2, 9]) }]),
  );
  assert.deepEqual(split.histogram(), [0, 2, 1, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(Array.from(split.limit(2).labels), [1, 1]);
  assert.throws(() => split.limit(0), /Invalid limit for split t/);
});

Deno.test("arrayDataset returns stored images and flips them with an rng", () => {
  const ds = arrayDataset(new Float32Array([1, 2, 3, 4]), new Int32Array([0, 1]), [1, 2, 1], 2, {
    flip: true,
  });
  assert.deepEqual(Array.from(ds.batch([0, 1]).x), [1, 2, 3, 4]);
  const flips = new Set<string>();
  const rng = new Rng(0);
  for (let i = 0; i < 20; i++) flips.add(Array.from(ds.batch([0], rng).x).join());
  assert.deepEqual([...flips].sort(), ["1,2", "2,1"]);
  assert.throws(() => arrayDataset(new Float32Array(3), new Int32Array(2), [1, 2, 1], 2), /need 4/);
});
