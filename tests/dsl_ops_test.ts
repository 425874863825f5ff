// The op table: one definition per op, parsed the same way by layer functions, fromJSON(), the
// YAML config and the compiler; bad input gives one clear error naming the path and the key.
import assert from "node:assert/strict";
import { TFJS_OPS, type TfjsOp } from "../compile/mod.ts";
import {
  conv2d,
  dense,
  dropout,
  flatten,
  fromJSON,
  layer,
  maxPool2d,
  type Op,
  OP_NAMES,
  OPS,
  relu,
  sequential,
  ShapeError,
  Spec,
  type SpecData,
  SpecError,
  vgg11,
} from "../dsl/mod.ts";
import { ConfigError, parseConfig, specFrom } from "../pipelines/_config.ts";
import { main } from "../pipelines/cifar10.ts";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

Deno.test("every op of the table has a TensorFlow.js compiler entry, and nothing else does", () => {
  assert.deepEqual(Object.keys(TFJS_OPS).sort(), [...OP_NAMES].sort());
  // @ts-expect-error a compiler table without every op does not compile
  const partial: { readonly [K in Op]: TfjsOp<K> } = { relu: TFJS_OPS.relu };
  assert.equal(Object.keys(partial).length, 1);
});

Deno.test("layer functions store configs as the op's schema normalises them", () => {
  assert.deepEqual(conv2d(8, 5, { padding: 2 }).config, {
    filters: 8,
    kernelSize: [5, 5],
    strides: [1, 1],
    padding: [2, 2],
    useBias: true,
  });
  assert.deepEqual(maxPool2d(3).config, { poolSize: [3, 3], strides: [3, 3], padding: "valid" });
  assert.deepEqual(
    layer("conv2d", { filters: 8, kernelSize: 5, padding: 2 }),
    conv2d(8, 5, { padding: 2 }),
  );
  assert.deepEqual(layer("dropout"), dropout());
  assert.ok(Object.isFrozen(conv2d(8).config.kernelSize));
});

Deno.test("a bad layer argument is a SpecError naming the call, the key and the range", () => {
  const e = thrown(() => dropout(1));
  assert.ok(e instanceof SpecError);
  assert.deepEqual(e.problems, [{
    step: "dropout(1)",
    path: "dropout rate",
    expected: "a number in [0, 1)",
    received: "1",
  }]);
  assert.equal(
    e.message,
    "Invalid spec edit: dropout(1) at dropout rate: expected a number in [0, 1), received 1",
  );
  const conv = thrown(() => conv2d(4, [3, 0]));
  assert.ok(conv instanceof SpecError);
  assert.deepEqual(conv.problems.map((p) => [p.path, p.expected, p.received]), [
    ["conv2d kernelSize[1]", "a positive integer", "0"],
  ]);
});

Deno.test("fromJSON() of a misspelt config key names the node and the key, with the fix", () => {
  const data = JSON.parse(JSON.stringify(vgg11()));
  data.nodes[0].config = { filtres: 4 };
  const e = thrown(() => fromJSON(data));
  assert.ok(e instanceof SpecError);
  assert.deepEqual(e.problems, [{
    step: "fromJSON",
    path: 'features.0 (conv2d) config key "filtres"',
    expected: '"filters" (a positive integer)',
    received: 'an unknown key "filtres"',
  }]);
  assert.equal(
    e.message,
    'Invalid spec edit: fromJSON at features.0 (conv2d) config key "filtres": expected "filters" ' +
      '(a positive integer), received an unknown key "filtres"',
  );
});

Deno.test("fromJSON() checks each config's values and normalises what it accepts", () => {
  const data = JSON.parse(JSON.stringify(vgg11()));
  data.nodes[1].config = { units: 3 };
  data.nodes[2].config = { poolSize: 2, strides: "x" };
  const e = thrown(() => fromJSON(data));
  assert.ok(e instanceof SpecError);
  assert.deepEqual(e.problems.map((p) => [p.path, p.received]), [
    ['features.1 (relu) config key "units"', 'an unknown key "units"'],
    ['features.2 (maxPool2d) config key "strides"', '"x"'],
  ]);
  const ok = JSON.parse(JSON.stringify(vgg11()));
  ok.nodes[2].config = { poolSize: 2 };
  assert.deepEqual(fromJSON(ok).nodes[2]!.config, {
    poolSize: [2, 2],
    strides: [2, 2],
    padding: "valid",
  });
});

Deno.test("a YAML dropout rate of 1 is a config error naming the key, its line and the range", () => {
  const text = `model:
  base: custom
  inputShape: [8, 8, 1]
  layers:
    head:
      - flatten
      - dropout: { rate: 1 }
      - dense: { units: 2 }
`;
  const e = thrown(() => parseConfig(text, "bad.yaml"));
  assert.ok(e instanceof ConfigError);
  assert.deepEqual(e.problems, [{
    step: "read config bad.yaml",
    path: "model.layers.head[1].dropout.rate (line 7)",
    expected: "a number in [0, 1)",
    received: "1",
  }]);
  assert.equal(e.exitCode, 2);
  assert.match(
    e.message,
    /model\.layers\.head\[1\]\.dropout\.rate \(line 7\): expected a number in \[0, 1\), received 1$/,
  );
  const { config, locator } = parseConfig(text.replace("rate: 1", "rate: 0.25"), "ok.yaml");
  const spec = specFrom(config, locator, "ok.yaml");
  const node = spec.node("head.1");
  assert.equal(node?.op === "dropout" && node.config.rate, 0.25);
});

Deno.test("the CLI exits with code 2 and one line for a YAML dropout rate of 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "graft-ops-" });
  try {
    await Deno.writeTextFile(
      `${dir}/bad.yaml`,
      "model:\n  base: custom\n  inputShape: [8, 8, 1]\n  layers:\n    head:\n" +
        "      - flatten\n      - dropout: { rate: 1 }\n      - dense: { units: 2 }\n",
    );
    let err = "";
    const code = await main(["--config", `${dir}/bad.yaml`], {
      stdout: () => {},
      stderr: (t) => void (err += t),
      tty: false,
    });
    assert.equal(code, 2);
    assert.match(err, /dropout\.rate \(line 7\): expected a number in \[0, 1\), received 1\n$/);
    assert.doesNotMatch(err, /RangeError|\bat .*\.ts:\d+/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("insert({}) is a SpecError naming the step, not a TypeError in check()", () => {
  const spec = sequential("s", [4], { head: [dense(2)] });
  const e = thrown(() => spec.insert({} as never));
  assert.ok(e instanceof SpecError);
  assert.deepEqual(e.problems, [{
    step: "step 2 insert({})",
    path: "head.1",
    expected: "a layer such as conv2d(64, 3) or a block(name, layers)",
    received: "{}",
  }]);
  const typo = thrown(() =>
    spec.insert({ kind: "layer", op: "dense", config: { unit: 3 } } as never)
  );
  assert.ok(typo instanceof SpecError);
  assert.equal(typo.problems[0]?.path, 'head.1 (dense) config key "unit"');
  assert.equal(typo.problems[0]?.expected, '"units" (a positive integer)');
});

Deno.test("check() on data that is not a spec throws a SpecError", () => {
  const good = sequential("s", [4], { head: [dense(2)] }).toJSON();
  const cases: unknown[] = [
    {},
    { ...good, nodes: [{ ...good.nodes[0], config: { units: "two" } }] },
    { ...good, nodes: [{ ...good.nodes[0], op: "conv3d" }] },
    { ...good, nodes: [{ ...good.nodes[0], inputs: [] }] },
  ];
  for (const data of cases) {
    const e = thrown(() => new Spec(data as SpecData).check());
    assert.ok(e instanceof SpecError, String(e));
  }
});

// A small seeded generator, so that a failing case can be replayed.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES: unknown[] = [
  0,
  -1,
  1,
  1.5,
  0.999,
  1e9,
  NaN,
  "same",
  "valid",
  "x",
  "",
  true,
  false,
  null,
  [],
  [1],
  [1, 2],
  [2, 2],
  [0, 0],
  [1, 2, 3],
  ["a", 1],
  {},
  { a: 1 },
];
const KEYS = [
  "filters",
  "units",
  "rate",
  "kernelSize",
  "poolSize",
  "strides",
  "padding",
  "useBias",
  "outputSize",
  "epsilon",
  "momentum",
  "filtres",
  "size",
];

Deno.test("fuzz: fromJSON() and check() throw only SpecError or ShapeError", () => {
  const base = sequential("f", [8, 8, 3], {
    features: [conv2d(4, 3, { padding: 1 }), relu(), maxPool2d(2)],
    classifier: [flatten(), dropout(0.2), dense(3)],
  }).toJSON();
  const next = random(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  let accepted = 0;
  for (let i = 0; i < 400; i++) {
    const data = JSON.parse(JSON.stringify(base));
    for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
      const node = pick(
        data.nodes as { op: string; config: Record<string, unknown>; inputs: string[] }[],
      );
      const what = next();
      const isObject = node.config !== null && typeof node.config === "object" &&
        !Array.isArray(node.config);
      if (!isObject) node.config = {};
      if (what < 0.6) node.config[pick(KEYS)] = pick(VALUES);
      else if (what < 0.75) delete node.config[pick(Object.keys(node.config).concat(["x"]))];
      else if (what < 0.85) node.op = pick([...OP_NAMES, "conv3d"]);
      else if (what < 0.95) node.inputs = pick([[], ["input"], ["nowhere"], ["input", "input"]]);
      else node.config = pick(VALUES) as Record<string, unknown>;
    }
    try {
      const spec = fromJSON(data);
      spec.check();
      spec.summary().toString();
      accepted++;
    } catch (e) {
      assert.ok(e instanceof SpecError || e instanceof ShapeError, `case ${i}: ${e}`);
      assert.match((e as Error).message, /^(Invalid spec edit|Spec does not fit together)/);
    }
  }
  assert.ok(accepted > 0, "the fuzzer should also produce valid specs");
});

Deno.test("the op table's definitions describe, infer and count through one interface", () => {
  const c = conv2d(64, 3, { padding: 1 });
  assert.equal(OPS[c.op].describe(c.config), "conv2d 3×3/1 → 64");
  assert.deepEqual(OPS.conv2d.infer(c.config, [[32, 32, 3]]), { ok: true, shape: [32, 32, 64] });
  assert.deepEqual(OPS.conv2d.count(c.config, [[32, 32, 3]]), { params: 1792, buffers: 0 });
  assert.deepEqual(OPS.batchNorm.weights.map((w) => [w.name, w.torch]), [
    ["gamma", "weight"],
    ["beta", "bias"],
    ["moving_mean", "running_mean"],
    ["moving_variance", "running_var"],
  ]);
  assert.deepEqual(OPS.conv2d.weights.map((w) => w.layout), ["conv2dKernel", "vector"]);
  assert.deepEqual(OPS.dense.weights.map((w) => w.layout), ["denseKernel", "vector"]);
});
