// What `data.resize` costs: the seed recipe (VGG16, head replaced by 10 classes, classifier.2
// dropped, features frozen) trained for a few steps at several input sizes, and the resize
// itself. Run: deno task bench resize [SIDES...] (default 32 64 128 224).
import { type BackendName, useBackend } from "../backends/mod.ts";
import { cifarDataset, CifarSplit, Rng } from "../data/mod.ts";
import { build } from "../compile/mod.ts";
import { vgg16 } from "../dsl/mod.ts";
import { train } from "../train/mod.ts";

/** Measures each side; returns Markdown rows. */
export async function benchResize(
  sides: number[],
  backend: BackendName = "native",
): Promise<string> {
  await useBackend(backend, { quiet: true });
  const rng = new Rng(1);
  const n = 80, batch = 16;
  const pixels = Uint8Array.from({ length: n * 3072 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const split = new CifarSplit("bench", { labels, pixels });
  const rows: string[] = [];
  for (const side of sides) {
    const data = cifarDataset(split, { augment: true, resize: side });
    const idx = Array.from({ length: batch }, (_, i) => i);
    data.batch(idx, new Rng(2)); // warm-up
    const t0 = performance.now();
    for (let r = 0; r < 5; r++) data.batch(idx, new Rng(r));
    const prepMs = (performance.now() - t0) / 5;
    const spec = vgg16({ inputShape: [side, side, 3] }).replaceHead(10).drop(2).freeze("features");
    // The median step after the first (which creates the kernels for the new shapes).
    const steps: number[] = [];
    const result = await train(build(spec, { seed: 0 }), spec, {
      train: data,
      epochs: 1,
      batchSize: batch,
      optimizer: { type: "sgd", lr: 0.001, momentum: 0.9 },
      callbacks: [{ onBatchEnd: (e) => void (e.batch > 1 && steps.push(e.imagesPerSecond)) }],
    });
    result.model.dispose();
    steps.sort((a, b) => a - b);
    const ips = steps[steps.length >> 1]!;
    const epochHours = 45000 / ips / 3600;
    rows.push(
      `| ${side}×${side} | ${(batch / prepMs * 1000).toFixed(0)} | ${ips.toFixed(1)} | ${
        epochHours < 1 ? `${(epochHours * 60).toFixed(0)} min` : `${epochHours.toFixed(1)} h`
      } |`,
    );
  }
  return [
    `Seed recipe (VGG16, features frozen), batch ${batch}, ${backend} backend, median of ` +
    `${n / batch - 1} steps after the first per size`,
    "",
    "| input | resize + augment (images/s) | training step (images/s) | one epoch of 45,000 images |",
    "| --- | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}
