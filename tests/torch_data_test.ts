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
