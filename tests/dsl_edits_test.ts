import assert from "node:assert/strict";
import {
  block,
  conv2d,
  dense,
  dropout,
  flatten,
  relu,
  sequential,
  SpecError,
  vgg16,
} from "../dsl/mod.ts";

const paths = (s: { nodes: readonly { path: string }[] }) => s.nodes.map((n) => n.path);

Deno.test("vgg16 mirrors torchvision's module names and indices", () => {
  const spec = vgg16();
  const p = paths(spec);
  assert.equal(p.length, 31 + 1 + 1 + 7);
  assert.deepEqual(p.slice(0, 3), ["features.0", "features.1", "features.2"]);
  assert.equal(p[30], "features.30");
  assert.deepEqual(p.slice(31), [
    "avgpool",
    "flatten",
    "classifier.0",
    "classifier.1",
    "classifier.2",
    "classifier.3",
    "classifier.4",
    "classifier.5",
    "classifier.6",
  ]);
  assert.equal(spec.node("features.30")?.op, "maxPool2d");
  assert.equal(spec.node("classifier.2")?.op, "dropout");
  const head = spec.node("classifier.6");
  assert.equal(head?.op === "dense" && head.config.units, 1000);
});

Deno.test("every edit returns a new spec and leaves the old one usable", () => {
  const base = vgg16();
  const before = JSON.stringify(base);
  const edited = base.replaceHead(10).drop(2).freeze("features");
  assert.notEqual(edited, base);
  assert.equal(JSON.stringify(base), before);
  const baseHead = base.node("classifier.6");
  assert.equal(baseHead?.op === "dense" && baseHead.config.units, 1000);
  assert.equal(base.node("features.0")?.trainable, true);
  assert.ok(Object.isFrozen(base.nodes));
  assert.ok(Object.isFrozen(base.nodes[0]!.config));
  assert.throws(() => {
    (base.nodes as unknown as { path: string }[]).push({ path: "x" });
  }, TypeError);
});

Deno.test("replaceHead() swaps classifier.6 for a new dense layer at the same path", () => {
  const spec = vgg16().replaceHead(10);
  const head = spec.node("classifier.6")!;
  assert.equal(head.op, "dense");
  assert.equal(head.op === "dense" && head.config.units, 10);
  assert.deepEqual(head.inputs, ["classifier.5"]);
  assert.equal(head.step, 2);
  const custom = vgg16().replaceHead(dense(5, { useBias: false }));
  const customHead = custom.node("classifier.6");
  assert.equal(customHead?.op === "dense" && customHead.config.useBias, false);
});

Deno.test("drop() keeps later names stable", () => {
  const spec = vgg16().replaceHead(10).drop("classifier.2");
  assert.equal(spec.node("classifier.2" as never), undefined);
  assert.deepEqual(spec.node("classifier.3")?.inputs, ["classifier.1"]);
  const head = spec.node("classifier.6");
  assert.equal(head?.op === "dense" && head.config.units, 10);
  assert.deepEqual(paths(spec).slice(-6), [
    "classifier.0",
    "classifier.1",
    "classifier.3",
    "classifier.4",
    "classifier.5",
    "classifier.6",
  ]);
});

Deno.test("drop(2) addresses the head group, as the seed's del classifier[2]", () => {
  assert.deepEqual(paths(vgg16().drop(2)), paths(vgg16().drop("classifier.2")));
});

Deno.test("drop() of the output node makes its input the output", () => {
  const spec = vgg16().drop("classifier.6");
  assert.equal(spec.toJSON().output, "classifier.5");
  assert.deepEqual(spec.shapes().get("classifier.5"), [4096]);
});

Deno.test("drop() of a group removes all its paths", () => {
  const spec = vgg16().insert(block("extra", [dense(64), relu()]), { before: "classifier.6" })
    .drop("extra");
  assert.ok(!paths(spec).some((p) => p.startsWith("extra")));
  assert.deepEqual(spec.node("classifier.6")?.inputs, ["classifier.5"]);
});

Deno.test("a dropped name is never given out again", () => {
  const spec = vgg16().drop("classifier.6").insert(dense(10));
  assert.equal(paths(spec).at(-1), "classifier.7");
});

Deno.test("insert() of a block adds a group at the end by default", () => {
  const spec = vgg16().insert(block("custom_layer", [dense(10), relu()]));
  assert.deepEqual(paths(spec).slice(-3), ["classifier.6", "custom_layer.0", "custom_layer.1"]);
  assert.deepEqual(spec.node("custom_layer.0")?.inputs, ["classifier.6"]);
  assert.equal(spec.toJSON().output, "custom_layer.1");
});

Deno.test("insert() after a path rewires its consumer", () => {
  const spec = vgg16().insert(block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]), {
    after: "features.29",
  });
  assert.deepEqual(spec.node("custom_layer.0")?.inputs, ["features.29"]);
  assert.deepEqual(spec.node("features.30")?.inputs, ["custom_layer.1"]);
  const p = paths(spec);
  assert.equal(p.indexOf("custom_layer.0"), p.indexOf("features.29") + 1);
});

Deno.test("insert() before a path takes that path's input", () => {
  const spec = vgg16().insert(dropout(0.2), { before: "classifier.6" });
  assert.deepEqual(spec.node("classifier.7")?.inputs, ["classifier.5"]);
  assert.deepEqual(spec.node("classifier.6")?.inputs, ["classifier.7"]);
  assert.equal(spec.node("classifier.7")?.op, "dropout");
});

Deno.test("insert() of a single layer names it in the anchor's group", () => {
  const spec = vgg16().insert(relu(), { after: "features.3" });
  assert.equal(spec.node("features.31")?.op, "relu");
  assert.deepEqual(spec.node("features.4")?.inputs, ["features.31"]);
});

Deno.test("insert() rejects a block name already in use", () => {
  const spec = vgg16().insert(block("extra", [relu()]));
  assert.throws(() => spec.insert(block("extra", [relu()])), SpecError);
  assert.throws(() => vgg16().insert(block("features", [relu()])), /already in use/);
});

Deno.test("replace() swaps a layer and keeps its path and wiring", () => {
  const spec = vgg16().replace("classifier.2", dropout(0.1));
  const node = spec.node("classifier.2")!;
  assert.equal(node.op === "dropout" && node.config.rate, 0.1);
  assert.deepEqual(node.inputs, ["classifier.1"]);
  assert.equal(node.step, 2);
});

Deno.test("freeze() and unfreeze() take a group, a path or a glob", () => {
  const frozen = vgg16().freeze("features");
  assert.ok(frozen.nodes.filter((n) => n.path.startsWith("features.")).every((n) => !n.trainable));
  assert.ok(frozen.nodes.filter((n) => n.path.startsWith("classifier")).every((n) => n.trainable));
  const glob = vgg16().freeze("features.*").unfreeze("features.28");
  assert.equal(glob.node("features.28")?.trainable, true);
  assert.equal(glob.node("features.26")?.trainable, false);
  const all = vgg16().freeze("*");
  assert.ok(all.nodes.every((n) => !n.trainable));
});

Deno.test("a path or pattern that matches nothing is an error, not a silent no-op", () => {
  const spec = vgg16();
  for (const bad of ["classifier.9", "head", "classifer.*", "zzz", "classifier.2.0"]) {
    assert.throws(() => spec.freeze(bad as never), SpecError, bad);
  }
  try {
    spec.drop("classifier.9" as never);
    assert.fail("drop did not throw");
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.equal(e.problems.length, 1);
    assert.equal(e.problems[0]!.step, "step 2 drop(classifier.9)");
    assert.equal(e.problems[0]!.path, "classifier.9");
    assert.equal(e.problems[0]!.expected, "an existing path");
    assert.match(e.message, /^Invalid spec edit: step 2 drop\(classifier\.9\) at classifier\.9/);
    assert.doesNotMatch(e.message, /\.$/);
  }
  assert.throws(
    () => spec.drop(2).drop(2),
    /received "classifier.2" \(dropped in an earlier step\)$/,
  );
  assert.throws(
    () => spec.freeze("featurs" as never),
    /received "featurs" \(did you mean "features"\?\)$/,
  );
  assert.throws(() => spec.freeze("clasifier.*" as never), /\(did you mean "classifier.\*"\?\)$/);
});

Deno.test("sequential() names layers by group and index, the last group is the head", () => {
  const spec = sequential("cnn", [8, 8, 3], {
    features: [conv2d(4, 3, { padding: 1 }), relu()],
    classifier: [flatten(), dense(10)],
  });
  assert.deepEqual(paths(spec), ["features.0", "features.1", "classifier.0", "classifier.1"]);
  const head = spec.replaceHead(3).node("classifier.1");
  assert.equal(head?.op === "dense" && head.config.units, 3);
  assert.deepEqual(paths(spec.drop(0)), ["features.0", "features.1", "classifier.1"]);
});

Deno.test("steps record every edit as the user wrote it", () => {
  const spec = vgg16().replaceHead(10).insert(block("custom_layer", [relu()])).drop(2)
    .freeze("features");
  assert.deepEqual(spec.toJSON().steps.map((s) => s.call), [
    "vgg16()",
    "replaceHead(10)",
    "insert(custom_layer)",
    "drop(2)",
    "freeze(features)",
  ]);
});

Deno.test("origin records the step that put a layer at its path; rewiring keeps it", () => {
  const spec = vgg16().replaceHead(10).insert(block("extra", [relu()]), { before: "classifier.6" })
    .drop(2);
  assert.equal(spec.node("features.0")?.origin, 1);
  assert.equal(spec.node("classifier.6")?.origin, 2); // replaced by replaceHead
  assert.equal(spec.node("classifier.6")?.step, 3); // rewired by insert
  assert.equal(spec.node("extra.0")?.origin, 3);
  assert.equal(spec.node("classifier.3")?.origin, 1); // rewired by drop(2), same layer
  assert.equal(spec.node("classifier.3")?.step, 4);
});
