import assert from "node:assert/strict";
import { vgg11, vgg13, vgg16, vgg19 } from "../dsl/mod.ts";

// torchvision 0.14: sum(p.numel() for p in model.parameters()) for each model.
const TORCHVISION = {
  vgg11: [132_863_336, 132_868_840],
  vgg13: [133_047_848, 133_053_736],
  vgg16: [138_357_544, 138_365_992],
  vgg19: [143_667_240, 143_678_248],
} as const;

for (const [name, fn] of Object.entries({ vgg11, vgg13, vgg16, vgg19 })) {
  const [plain, bn] = TORCHVISION[name as keyof typeof TORCHVISION];
  Deno.test(`summary() of ${name} counts parameters as torchvision does, with and without BatchNorm`, () => {
    assert.equal(fn().summary().total, plain);
    const s = fn({ batchNorm: true }).summary();
    assert.equal(s.total, bn);
    // moving mean + variance: two per BatchNorm channel, shown apart from parameters
    assert.equal(s.buffers, bn - plain);
  });
}

Deno.test("summary() splits trainable and frozen parameters", () => {
  const s = vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).drop(2).freeze("features")
    .summary();
  assert.equal(s.total, 134_301_514);
  assert.equal(s.trainable, 119_586_826);
  assert.equal(s.nonTrainable, 14_714_688);
  assert.equal(s.rows.find((r) => r.path === "classifier.6")?.params, 4096 * 10 + 10);
});

Deno.test("summary() prints a table with paths, shapes, parameters and totals", () => {
  const text = vgg16({ batchNorm: true }).freeze("features").summary().toString();
  const lines = text.split("\n");
  assert.equal(lines[0], "vgg16_bn (input [224, 224, 3])");
  assert.match(text, /features\.0 +conv2d 3×3\/1 → 64 +\[224, 224, 64\] +1,792 +no/);
  assert.match(text, /features\.1 +batchNorm +\[224, 224, 64\] +128 +no/);
  assert.match(text, /classifier\.6 +dense → 1000 +\[1000\] +4,097,000 +yes/);
  assert.ok(lines.includes("Total params: 138,365,992"));
  assert.ok(lines.includes("Buffers (BatchNorm moving statistics): 8,448"));
  assert.equal(Deno.inspect(vgg16().summary()), vgg16().summary().toString());
});
