import assert from "node:assert/strict";
import { join } from "node:path";
import { CIFAR10_MEAN, CIFAR10_STD, cifarDataset, CifarSplit, Rng } from "../data/mod.ts";
import { readSafetensors } from "../weights/mod.ts";
import { encodeSplit } from "../engines/torch/_job.ts";
import { engineReady, pythonPath } from "../engines/torch/_python.ts";
import { torchTest } from "./_torch_fixtures.ts";

Deno.test(
  torchTest(
    "the engine draws Graft's shuffles, crops and flips and normalises bit for bit",
    async () => {
      const n = 12;
      const rng = new Rng(77);
      const pixels = Uint8Array.from({ length: n * 3072 }, () => rng.int(256));
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
      const split = new CifarSplit("train", { labels, pixels });
      const dir = await Deno.makeTempDir({ prefix: "graft-torch-data-" });
      await Deno.writeFile(join(dir, "split.safetensors"), encodeSplit(split));
      const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(engineReady())})
import torch, safetensors_io
from data import Split
from rng import Rng
split = Split(sys.argv[1], {"mean": ${JSON.stringify(CIFAR10_MEAN)}, "std": ${
        JSON.stringify(CIFAR10_STD)
      }})
rng = Rng(5)
order = rng.permutation(split.size)
x, y = split.batch(order, rng)
safetensors_io.write(sys.argv[2], {"x": x.permute(0, 2, 3, 1).contiguous(), "y": y.int()})
print(json.dumps(rng.state()))
`;
      const out = await new Deno.Command(pythonPath(), {
        args: ["-c", script, join(dir, "split.safetensors"), join(dir, "out.safetensors")],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const graftRng = new Rng(5);
      const order = graftRng.permutation(n);
      const graft = cifarDataset(split, { augment: true }).batch(order, graftRng);
      const torch = (await readSafetensors(join(dir, "out.safetensors"))).tensors;
      assert.deepEqual(Array.from(torch.y!.data), Array.from(graft.labels));
      assert.deepEqual(torch.x!.data, graft.x);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), graftRng.state());
      await Deno.remove(dir, { recursive: true });
    },
  ),
);

Deno.test(
  torchTest(
    "the engine resizes each batch as Graft does, after the crop, flip and normalisation",
    async () => {
      const n = 6;
      const rng = new Rng(78);
      const pixels = Uint8Array.from({ length: n * 3072 }, () => rng.int(256));
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
      const split = new CifarSplit("train", { labels, pixels });
      const dir = await Deno.makeTempDir({ prefix: "graft-torch-resize-" });
      await Deno.writeFile(join(dir, "split.safetensors"), encodeSplit(split));
      // Larger (48×48, augmented), and smaller on one axis and larger on the other (20×40).
      const cases: { size: [number, number]; augment: boolean }[] = [
        { size: [48, 48], augment: true },
        { size: [20, 40], augment: false },
      ];
      const script = `
import sys
sys.path.insert(0, ${JSON.stringify(engineReady())})
import safetensors_io
from data import Split
from rng import Rng
norm = {"mean": ${JSON.stringify(CIFAR10_MEAN)}, "std": ${JSON.stringify(CIFAR10_STD)}}
out = {}
for k, (h, w, augment) in enumerate(${
        JSON.stringify(cases.map((c) => [...c.size, c.augment ? 1 : 0]))
      }):
    split = Split(sys.argv[1], norm, [h, w])
    rng = Rng(5)
    x, _ = split.batch(rng.permutation(split.size), rng if augment else None)
    out[f"x{k}"] = x.permute(0, 2, 3, 1).contiguous()
safetensors_io.write(sys.argv[2], out)
`;
      const out = await new Deno.Command(pythonPath(), {
        args: ["-c", script, join(dir, "split.safetensors"), join(dir, "out.safetensors")],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const torch = (await readSafetensors(join(dir, "out.safetensors"))).tensors;
      for (const [k, c] of cases.entries()) {
        const graftRng = new Rng(5);
        const order = graftRng.permutation(n);
        const graft = cifarDataset(split, { augment: c.augment, resize: c.size })
          .batch(order, graftRng);
        const x = torch[`x${k}`]!;
        assert.deepEqual(x.shape, [n, ...c.size, 3]);
        let diff = 0;
        for (let i = 0; i < graft.x.length; i++) {
          diff = Math.max(diff, Math.abs(x.data[i]! - graft.x[i]!));
        }
        assert.ok(diff <= 1e-4, `${c.size.join("×")}: largest difference ${diff}`);
      }
      await Deno.remove(dir, { recursive: true });
    },
  ),
);
