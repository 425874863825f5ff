// Every parser that reads a user's file gets thousands of mutated inputs from a fixed seed: each
// must parse or throw Graft's own error (a GraftError), never a TypeError, RangeError,
// SyntaxError or a hang. The counts are printed once per parser.
import assert from "node:assert/strict";
import { decodeBatches, loadCifar10, Rng } from "../data/mod.ts";
import { fromJSON, vgg11 } from "../dsl/mod.ts";
import { GraftError } from "../errors/mod.ts";
import { parseConfig, specFrom } from "../pipelines/_config.ts";
import { trainStateOf } from "../train/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  readCheckpoint,
  readKerasH5,
} from "../weights/mod.ts";
import { cifarMembers, gzip, records, tar } from "./_data_fixtures.ts";

const SEED = 20261201;
const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0x30, 0x39, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c];

/** One mutation of `input`: flipped bytes, boundary bytes, a cut, an insertion or a repeat. */
function mutate(input: Uint8Array, rng: Rng): Uint8Array {
  const out = Uint8Array.from(input);
  const at = () => rng.int(Math.max(1, out.length));
  switch (rng.int(6)) {
    case 0: {
      for (let n = 1 + rng.int(8); n > 0; n--) {
        const i = at();
        out[i] = out[i]! ^ (1 << rng.int(8));
      }
      return out;
    }
    case 1: {
      for (let n = 1 + rng.int(4); n > 0; n--) out[at()] = BOUNDARY[rng.int(BOUNDARY.length)]!;
      return out;
    }
    case 2:
      return out.subarray(0, at());
    case 3: {
      const i = at();
      const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      return concat(out.subarray(0, i), extra, out.subarray(i));
    }
    case 4: {
      const i = at(), j = Math.min(out.length, i + 1 + rng.int(64));
      return concat(out.subarray(0, j), out.subarray(i, j), out.subarray(j));
    }
    default: {
      // Eight bytes of a little-endian length field set huge.
      const i = at();
      for (let k = 0; k < 8 && i + k < out.length; k++) out[i + k] = k < 7 ? 0xff : 0x7f;
      return out;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Tally {
  parsed: number;
  rejected: number;
  slowestMs: number;
}

/** Feeds `count` mutations of `seed` to `parse`; any error but a GraftError fails the test. */
async function fuzz(
  name: string,
  seeds: readonly Uint8Array[],
  count: number,
  parse: (bytes: Uint8Array) => unknown,
): Promise<Tally> {
  const rng = new Rng(SEED);
  const tally: Tally = { parsed: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const input = mutate(seeds[i % seeds.length]!, rng);
    const t0 = performance.now();
    try {
      await parse(input);
      tally.parsed++;
    } catch (e) {
      if (!(e instanceof GraftError)) {
        assert.fail(
          `${name}: input ${i} threw ${(e as Error).name ?? typeof e}: ${(e as Error).message}`,
        );
      }
      tally.rejected++;
    }
    tally.slowestMs = Math.max(tally.slowestMs, performance.now() - t0);
  }
  console.log(
    `fuzz ${name}: ${count} inputs, ${tally.parsed} parsed, ${tally.rejected} rejected, ` +
      `slowest ${tally.slowestMs.toFixed(1)} ms`,
  );
  assert.equal(tally.parsed + tally.rejected, count);
  assert.ok(tally.slowestMs < 2000, `${name}: an input took ${tally.slowestMs} ms`);
  return tally;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("fuzz: CIFAR-10 batch files parse or raise DataError", async () => {
  const seeds = [records([1, 2, 3]), records([9, 0])];
  const t = await fuzz(
    "cifar batches",
    seeds,
    3000,
    (b) => decodeBatches([{ file: "x.bin", bytes: b }]),
  );
  assert.ok(t.rejected > 0 && t.parsed > 0);
});

Deno.test("fuzz: tar.gz archives parse or raise DataError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "graft-fuzz-" });
  const raw = tar(cifarMembers(1, 1));
  const gz = await gzip(raw);
  const rng = new Rng(SEED + 1);
  // Half the inputs mutate the tar inside a valid gzip stream, half the gzip bytes themselves.
  let n = 0;
  const t = await fuzz("tar.gz", [raw], 1200, async (b) => {
    const bytes = n++ % 2 === 0 ? await gzip(b) : mutate(gz, rng);
    const path = `${dir}/a.tar.gz`;
    await Deno.writeFile(path, bytes);
    return await loadCifar10({ data: path });
  });
  assert.ok(t.rejected > 0);
});

Deno.test("fuzz: safetensors files parse or raise WeightsError", async () => {
  const seeds = [
    encodeSafetensors({ a: { shape: [2, 3], data: new Float32Array(6).fill(1.5) } }, { k: "v" }),
    encodeSafetensors({
      "w/kernel": { shape: [3], data: new Float32Array([1, 2, 3]) },
      "w/bias": { shape: [1], data: new Float32Array([4]) },
    }),
  ];
  const t = await fuzz("safetensors", seeds, 3000, (b) => decodeSafetensors(b, "f.safetensors"));
  assert.ok(t.rejected > 0 && t.parsed > 0);
});

Deno.test("fuzz: checkpoint metadata parses or raises a GraftError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "graft-fuzz-" });
  const spec = JSON.stringify(vgg11({ inputShape: [32, 32, 3] }).toJSON());
  const state = JSON.stringify({
    epoch: 1,
    step: 3,
    optimizerStep: 3,
    rng: [1, 2, 3, 4],
    settings: {
      epochs: 2,
      seed: 0,
      batchSize: 4,
      trainSize: 12,
      optimizer: { type: "sgd", lr: 0.1 },
      schedule: { type: "constant" },
      labelSmoothing: 0,
    },
    history: [{ epoch: 1, loss: 2.3 }],
    callbacks: { earlyStopping: { best: 2.3 } },
  });
  const rng = new Rng(SEED + 2);
  const seeds = [enc.encode(spec), enc.encode(state)];
  const t = await fuzz("checkpoint metadata", seeds, 1000, async (b) => {
    // Each input damages one of the two JSON fields; the other stays valid.
    const text = rng.next() < 0.5 ? dec.decode(b) : dec.decode(b).slice(0, rng.int(b.length));
    const isSpec = text.startsWith('{"name"') || rng.next() < 0.3;
    const path = `${dir}/last.safetensors`;
    await Deno.writeFile(
      path,
      encodeSafetensors({ "weights/a": { shape: [1], data: new Float32Array(1) } }, {
        format: "graft.checkpoint/v2",
        "graft.spec": isSpec ? text : spec,
        "graft.training": isSpec ? state : text,
      }),
    );
    return trainStateOf(await readCheckpoint(path));
  });
  assert.ok(t.rejected > 0);
});

Deno.test("fuzz: spec JSON parses or raises SpecError", async () => {
  const seeds = [
    enc.encode(
      JSON.stringify(vgg11({ inputShape: [32, 32, 3] }).replaceHead(10).freeze("features")),
    ),
  ];
  const t = await fuzz("spec JSON", seeds, 3000, (b) => fromJSON(dec.decode(b)));
  assert.ok(t.rejected > 0);
});

Deno.test("fuzz: pipeline YAML configs parse or raise ConfigError", async () => {
  const seeds = await Promise.all(
    ["cifar10.yaml", "cifar10_small.yaml"].map((f) =>
      Deno.readFile(new URL(`../pipelines/${f}`, import.meta.url))
    ),
  );
  const t = await fuzz("YAML config", seeds, 2000, (b) => {
    const { config, locator } = parseConfig(dec.decode(b), "c.yaml");
    return specFrom(config, locator, "c.yaml");
  });
  assert.ok(t.rejected > 0 && t.parsed > 0);
});

Deno.test("fuzz: Keras HDF5 files parse or raise WeightsError", async () => {
  const h5 = await Deno.readFile(new URL("./fixtures/vgg_tiny.h5", import.meta.url));
  const t = await fuzz("Keras HDF5", [h5], 600, (b) => readKerasH5(b, "f.h5"));
  assert.ok(t.rejected > 0);
});
