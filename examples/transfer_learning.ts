// Transfer learning with Graft: pretrain a small VGG-style model (or a CIFAR ResNet) on five
// CIFAR-10 classes, save it, load it into a spec with a new head for the other five classes and
// its feature extractor frozen, fine-tune, and compare with training the same spec from scratch on
// the same budget.
//
//   deno run --allow-read --allow-write --allow-env --allow-ffi --allow-sys \
//     examples/transfer_learning.ts --data ../shared/cifar10/cifar-10-binary.tar.gz
//
// Options: --train N (images per phase, default 2500), --epochs E (pretraining epochs, default
// 3), --finetune E (fine-tuning and from-scratch epochs, default 2), --out DIR (default: a new
// runs/transfer_learning-<date>-<time>; an existing non-empty DIR is refused unless --overwrite
// is given, then its files are replaced), --base NAME
// (small_vgg, the default: `features` frozen; or resnet18 / resnet34 with the CIFAR stem: the
// stem and layer1..layer3 frozen, layer4 and the new fc fine-tuned).
import { parseArgs } from "node:util";
import { type BackendName, useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import { resnet18, resnet34, smallVgg, type Spec } from "../dsl/mod.ts";
import { cifarDataset, CifarSplit, type Dataset, loadCifar10 } from "../data/mod.ts";
import { train } from "../train/mod.ts";
import { loadWeights, saveCheckpoint } from "../weights/mod.ts";

const { values: args } = parseArgs({
  options: {
    data: { type: "string", default: "../shared/cifar10/cifar-10-binary.tar.gz" },
    train: { type: "string", default: "2500" },
    epochs: { type: "string", default: "3" },
    finetune: { type: "string", default: "2" },
    out: { type: "string" },
    overwrite: { type: "boolean", default: false },
    backend: { type: "string", default: "auto" },
    base: { type: "string", default: "small_vgg" },
  },
});
const perPhase = Number(args.train);
const log = (line: string) => console.log(line);

/**
 * The folder this run writes into: `out` when it is new or empty (or `overwrite` allows it),
 * else none; without `out`, a new folder named after the time, made here so no other run can
 * take it.
 */
async function outputFolder(out: string | undefined, overwrite: boolean): Promise<string> {
  if (out !== undefined) {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(Deno.readDir(out));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (entries.length && !overwrite) {
      console.error(
        `Not writing into ${out}: it holds ${entries.length} file(s) of an earlier run (give ` +
          "--overwrite to replace them, or another --out)",
      );
      Deno.exit(2);
    }
    await Deno.mkdir(out, { recursive: true });
    return out;
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
  await Deno.mkdir("runs", { recursive: true });
  for (let n = 1;; n++) {
    const dir = `runs/transfer_learning-${stamp}${n > 1 ? `-${n}` : ""}`;
    try {
      await Deno.mkdir(dir); // fails when it exists: never a folder of another run
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

/** The images of `classes` (relabelled 0..4), at most `limit` of them. */
function subset(split: CifarSplit, classes: readonly number[], limit: number): Dataset {
  const keep: number[] = [];
  for (let i = 0; i < split.size && keep.length < limit; i++) {
    if (classes.includes(split.labels[i]!)) keep.push(i);
  }
  const labels = Uint8Array.from(keep, (i) => classes.indexOf(split.labels[i]!));
  const pixels = new Uint8Array(keep.length * 3072);
  keep.forEach((i, j) => pixels.set(split.pixels.subarray(i * 3072, (i + 1) * 3072), j * 3072));
  const ds = cifarDataset(new CifarSplit(split.name, { labels, pixels }), { augment: true });
  return { ...ds, classes: classes.length };
}

// The base and what transfer freezes: the small VGG of the DSL (BatchNorm after every
// convolution, dropout before the head) with its `features`, or a CIFAR-stem ResNet with its stem
// and first three stages (torchvision's top-level modules are the groups).
const cifarResnet = { inputShape: [32, 32, 3], classes: 5, cifarStem: true } as const;
const BASES: Record<string, { spec: Spec; frozen: string[] }> = {
  small_vgg: {
    spec: smallVgg({ batchNorm: true, dropout: 0.3, classes: 5 }),
    frozen: ["features"],
  },
  resnet18: {
    spec: resnet18(cifarResnet),
    frozen: ["conv1", "bn1", "layer1", "layer2", "layer3"],
  },
  resnet34: {
    spec: resnet34(cifarResnet),
    frozen: ["conv1", "bn1", "layer1", "layer2", "layer3"],
  },
};
const chosen = BASES[args.base];
if (!chosen) {
  console.error(`Unknown --base ${args.base}: expected one of ${Object.keys(BASES).join(", ")}`);
  Deno.exit(2);
}
const base = chosen.spec;
const out = await outputFolder(args.out, args.overwrite);
log(`Writing into ${out}`);
await useBackend(args.backend as BackendName);

const data = await loadCifar10({ data: args.data });
const [A, B] = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]];
log(`Pretraining classes: ${A.map((c) => data.classes[c]).join(", ")}`);
log(`Transfer classes:    ${B.map((c) => data.classes[c]).join(", ")}`);

// 1. Pretrain on classes A and save a checkpoint (one safetensors file: weights and spec).
const started = performance.now();
const pre = await train(build(base, { seed: 1 }), base, {
  train: subset(data.train, A, perPhase),
  validation: subset(data.test, A, 500),
  epochs: Number(args.epochs),
  batchSize: 64,
  optimizer: { type: "adam", lr: 1e-3 },
  seed: 1,
});
const checkpoint = `${out}/pretrained.safetensors`;
await saveCheckpoint(checkpoint, pre.model, base, { metadata: { classes: A.join(",") } });
log(
  `Pretrained: top-1 ${(pre.evaluation!.top1 * 100).toFixed(1)}% on classes A; saved ${checkpoint}`,
);

// 2. Same architecture, a new head for classes B, the feature extractor frozen; load by path.
const transferSpec = chosen.frozen.reduce((s, group) => s.freeze(group), base.replaceHead(5));
const budget = {
  train: subset(data.train, B, perPhase),
  validation: subset(data.test, B, 500),
  epochs: Number(args.finetune),
  batchSize: 64,
  optimizer: { type: "adam" as const, lr: 1e-3 },
  seed: 2,
};
const model = build(transferSpec, { seed: 2 });
const report = await loadWeights(model, transferSpec, checkpoint);
log(`Loaded ${report.loaded.length} layers; fresh (replaced): ${report.replaced.join(", ")}`);
const fine = await train(model, transferSpec, budget);

// 3. The same spec, same budget, from scratch (nothing frozen, nothing loaded).
const scratchSpec = base.replaceHead(5);
const scratch = await train(build(scratchSpec, { seed: 2 }), scratchSpec, budget);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
log("");
log(`| run (${args.base})                    | epochs | top-1 on classes B |`);
log(`| ------------------------------------- | ------ | ------------------ |`);
log(
  `| fine-tuned (${chosen.frozen.join(", ")} frozen, new head) | ${budget.epochs} | ${
    pct(fine.evaluation!.top1)
  } |`,
);
log(
  `| from scratch (all trainable)           | ${budget.epochs} | ${
    pct(scratch.evaluation!.top1)
  } |`,
);
log(`Total time ${((performance.now() - started) / 1000).toFixed(0)} s`);
