import assert from "node:assert/strict";
import { cifarDataset, CifarSplit, DataError, holdOut } from "../data/mod.ts";

function split(labels: number[]): CifarSplit {
  const pixels = new Uint8Array(labels.length * 3072);
  labels.forEach((_, i) => pixels[i * 3072] = i % 256); // first byte tags the image
  return new CifarSplit("train", { labels: Uint8Array.from(labels), pixels });
}

Deno.test("a validation split is stratified, disjoint from training, and fixed by the seed", () => {
  // 60 images: 30 of class 0, 20 of class 1, 10 of class 2.
  const labels = Array.from({ length: 60 }, (_, i) => i < 30 ? 0 : i < 50 ? 1 : 2);
  const s = split(labels);
  const a = holdOut(s, 12, 5);
  assert.equal(a.train.size, 48);
  assert.deepEqual(a.validation.histogram(3), [6, 4, 2]);
  const tags = (x: CifarSplit) => Array.from({ length: x.size }, (_, i) => x.pixels[i * 3072]!);
  const val = new Set(tags(a.validation));
  assert.equal(tags(a.train).filter((t) => val.has(t)).length, 0);
  assert.deepEqual(tags(holdOut(s, 12, 5).validation), tags(a.validation));
  assert.notDeepEqual(tags(holdOut(s, 12, 6).validation), tags(a.validation));
  // Both parts keep the original order.
  const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
  assert.ok(sorted(tags(a.train)) && sorted(tags(a.validation)));
});

Deno.test("shares that do not divide evenly go to the largest remainders", () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
  assert.deepEqual(holdOut(split(labels), 3, 0).validation.histogram(3), [1, 1, 1]);
  // Exact shares 1.5, 1.5, 2: the tie between classes 0 and 1 goes to the lower label.
  assert.deepEqual(holdOut(split(labels), 5, 0).validation.histogram(3), [2, 1, 2]);
});

Deno.test("0 holds out nothing; holding out everything is an error naming the setting", () => {
  const s = split([0, 1, 2, 3]);
  assert.equal(holdOut(s, 0, 1).validation.size, 0);
  assert.equal(holdOut(s, 0, 1).train.size, 4);
  assert.throws(() => holdOut(s, 4, 1), (e) =>
    e instanceof DataError &&
    /train has 4 images, too few to hold out 4 for validation .*data\.validation, --validation/
      .test(e.message));
});

Deno.test("resize matches torchvision's Resize (bilinear, antialias) when enlarging and shrinking", () => {
  // One 32×32 image whose channel c at (y, x) is ((y * 32 + x) * 7 + c * 11) % 256.
  const pixels = new Uint8Array(3072);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 1024; i++) pixels[c * 1024 + i] = (i * 7 + c * 11) % 256;
  }
  const s = new CifarSplit("t", { labels: new Uint8Array(1), pixels });
  const plain = cifarDataset(s, { normalize: false });
  const up = cifarDataset(s, { normalize: false, resize: [40, 48] });
  const down = cifarDataset(s, { normalize: false, resize: 12 });
  assert.deepEqual(up.shape, [40, 48, 3]);
  assert.deepEqual(down.shape, [12, 12, 3]);
  const u = up.batch([0]).x, d = down.batch([0]).x, p = plain.batch([0]).x;
  // Reference values from torchvision 0.14: T.Resize(size, antialias=True) on the float image.
  const at = (x: Float32Array, w: number, y: number, xx: number, c: number) =>
    x[(y * w + xx) * 3 + c]!;
  assert.equal(at(u, 48, 0, 0, 0), at(p, 32, 0, 0, 0)); // corners stay
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-5, `${a} vs ${b}`);
  for (const [y, x, c, want] of UP) close(at(u, 48, y, x, c), want);
  for (const [y, x, c, want] of DOWN) close(at(d, 12, y, x, c), want);
});

// [y, x, channel, value] sampled from torchvision's output.
const UP: [number, number, number, number][] = [
  [0, 1, 0, 0.013725],
  [3, 5, 1, 0.84536],
  [17, 30, 2, 0.526143],
  [39, 47, 0, 0.976471],
  [20, 11, 1, 0.252418],
];
const DOWN: [number, number, number, number][] = [
  [0, 0, 0, 0.604954],
  [3, 5, 1, 0.328188],
  [11, 11, 2, 0.190125],
  [6, 2, 0, 0.365153],
  [9, 10, 1, 0.690059],
];
