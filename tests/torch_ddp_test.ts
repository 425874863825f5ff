import assert from "node:assert/strict";
import { useBackend } from "../backends/mod.ts";
import { build } from "../compile/mod.ts";
import {
  batchNorm,
  conv2d,
  dense,
  flatten,
  maxPool2d,
  relu,
  sequential,
  type Spec,
} from "../dsl/mod.ts";
import { collectWeights } from "../weights/checkpoint.ts";
import {
  EngineError,
  type TorchLauncher,
  type TorchTrainOptions,
  trainTorch,
} from "../engines/torch/mod.ts";
import { quadrants } from "./_train_fixtures.ts";
import { torchTest } from "./_torch_fixtures.ts";

await useBackend("cpu", { quiet: true });

function small(bn: boolean): Spec {
  return sequential("ddp", [8, 8, 3], {
    features: bn
      ? [conv2d(4, 3, { padding: 1 }), batchNorm(), relu(), maxPool2d(2)]
      : [conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
    classifier: [flatten(), dense(4)],
  });
}

/** A free TCP port on 127.0.0.1 for the rendezvous. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function run(spec: Spec, launcher: TorchLauncher, extra: Partial<TorchTrainOptions> = {}) {
  const model = build(spec, { seed: 2 });
  const work = await Deno.makeTempDir({ prefix: "graft_ddp_" });
  return await trainTorch(spec, {
    train: quadrants(128, 3),
    epochs: 2,
    batchSize: 64,
    seed: 1,
    augment: false,
    optimizer: { type: "sgd", lr: 0.1, momentum: 0.9 },
    initialWeights: await collectWeights(model, spec),
    workDir: work,
    device: "cpu",
    launcher,
    timeoutSeconds: 120,
    env: { OMP_NUM_THREADS: "1" },
    log: () => {},
    ...extra,
  });
}

function assertClose(a: readonly number[], b: readonly number[], tol: number) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const rel = Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!);
    assert.ok(rel <= tol, `step ${i + 1}: ${a[i]} vs ${b[i]} (relative ${rel})`);
  }
}

Deno.test(
  torchTest(
    "torchrun with 2 processes (gloo, global batch 64), and as 2 machines on loopback, gives one process's losses",
    async () => {
      const spec = small(false);
      const one = await run(spec, { kind: "python" });
      const two = await run(spec, { kind: "torchrun", nprocPerNode: 2 });
      assert.equal(two.world, 2);
      assert.equal(one.losses.length, 4);
      assertClose(two.losses, one.losses, 1e-4);

      // Two torchrun invocations as two machines, rendezvous on loopback.
      const endpoint = `127.0.0.1:${freePort()}`;
      const node = (rank: number) =>
        run(spec, {
          kind: "torchrun",
          nprocPerNode: 1,
          nnodes: 2,
          nodeRank: rank,
          rdzvEndpoint: endpoint,
          rdzvId: "graft_test_nodes",
        });
      const [a, b] = await Promise.all([node(0), node(1)]);
      assert.equal(a.world, 2, "node 0 reports, whichever global rank c10d gave it");
      assert.equal(b.world, 0, "the other machine prints no events");
      assertClose(a.losses, one.losses, 1e-4);
    },
  ),
);

Deno.test(
  torchTest(
    "with BatchNorm each process normalises its own half of the batch; SyncBatchNorm needs CUDA on PyTorch 1.13",
    async () => {
      const spec = small(true);
      const one = await run(spec, { kind: "python" });
      const two = await run(spec, { kind: "torchrun", nprocPerNode: 2 });
      assert.equal(two.losses.length, one.losses.length);
      const differs = two.losses.some((l, i) => Math.abs(l - one.losses[i]!) / l > 1e-4);
      assert.ok(differs, "per-process batch statistics change the losses");
      const err = await run(spec, { kind: "torchrun", nprocPerNode: 2 }, { syncBatchNorm: true })
        .then(() => undefined, (e) => e);
      if (err !== undefined) { // PyTorch 1.13 on CPU; from 2.x SyncBatchNorm also runs on CPU
        assert.ok(err instanceof EngineError);
        assert.match(err.message, /syncBatchNorm needs CUDA/);
      }
    },
  ),
);
