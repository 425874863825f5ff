// Speed of the DSL and the compile step. Run: deno task bench dsl
import { build } from "../compile/mod.ts";
import { useBackend } from "../backends/mod.ts";
import { block, conv2d, fromJSON, relu, Spec, vgg16 } from "../dsl/mod.ts";

// The fastest of five rounds: the machine is shared, and the slower rounds measure the others.
function time(
  label: string,
  runs: number,
  fn: (call: number) => unknown,
  rounds = 5,
): [string, string] {
  fn(runs * rounds); // warm-up
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) fn(round * runs + i);
    best = Math.min(best, (performance.now() - t0) / runs);
  }
  const ms = best;
  return [label, ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(1)} ms`];
}

/** Measures the DSL and build(); returns Markdown rows. */
export async function benchDsl(): Promise<string> {
  await useBackend("cpu", { quiet: true });
  const custom = block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]);
  const seed = () =>
    vgg16({ inputShape: [32, 32, 3] }).replaceHead(10).insert(custom, { after: "features.29" })
      .drop(2).freeze("features");
  const spec = seed();
  const json = JSON.stringify(spec);
  // A spec's validation and shapes are computed once and kept: time them on fresh copies.
  const fresh = () => Array.from({ length: 1001 }, () => new Spec(structuredClone(spec.toJSON())));
  const copies = fresh();
  spec.check();
  const edited = Array.from({ length: 1001 }, () => spec.unfreeze("classifier"));
  const rows = [
    time("vgg16() + 4 edits (the seed recipe)", 200, seed),
    time("check() after one edit (first call on the edited spec)", 200, (i) => edited[i]!.check()),
    time("check() of a copy (every node new to it)", 200, (i) => copies[i]!.check()),
    time("check() again (kept)", 200, () => spec.check()),
    time("summary() of the seed recipe", 200, () => spec.summary().toString()),
    time("toJSON() + fromJSON()", 200, () => fromJSON(JSON.parse(JSON.stringify(spec)))),
    time("fromJSON() of the seed recipe", 200, () => fromJSON(json)),
    time(
      "build() of the seed recipe (136.7M parameters, cpu)",
      1,
      () => build(spec, { seed: 1 }).dispose(),
      3,
    ),
  ];
  return [
    "| operation | time per call |",
    "| --- | --- |",
    ...rows.map(([l, t]) => `| ${l} | ${t} |`),
  ].join("\n");
}

if (import.meta.main) console.log(await benchDsl());
