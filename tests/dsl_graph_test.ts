// The spec is a graph: branches, joins (add), shape inference and summaries over it, and edits
// that keep names and rewire around nodes with several consumers or inputs.
import assert from "node:assert/strict";
import {
  add,
  concat,
  conv2d,
  dense,
  dropout,
  fromJSON,
  graph,
  relu,
  ShapeError,
  SpecError,
} from "../dsl/mod.ts";
import { residual } from "./_graph_fixtures.ts";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

Deno.test("a residual block infers shapes over both branches and the join", () => {
  const spec = residual().check();
  const shapes = spec.shapes();
  assert.deepEqual(shapes.get("layer1.0.bn2"), [4, 4, 16]);
  assert.deepEqual(shapes.get("layer1.0.downsample.1"), [4, 4, 16]);
  assert.deepEqual(shapes.get("layer1.0.add"), [4, 4, 16]);
  assert.deepEqual(shapes.get("fc"), [4]);
  assert.deepEqual(spec.node("layer1.0.add")?.inputs, ["layer1.0.bn2", "layer1.0.downsample.1"]);
  // conv1 216 + bn 16, block convs 1152 + 2304, bns 32 + 32, projection 128 + bn 32, fc 68
  assert.equal(spec.summary().total, 216 + 16 + 1152 + 32 + 2304 + 32 + 128 + 32 + 68);
  assert.equal(spec.summary().buffers, 16 + 32 + 32 + 32);
});

Deno.test("a join whose branches disagree is a ShapeError naming both shapes", () => {
  const spec = graph("bad", [8, 8, 3])
    .node("a", conv2d(4, 3, { padding: 1 }))
    .node("b", conv2d(4, 3), { from: "input" })
    .node("sum", add(), { from: ["a", "b"] })
    .spec();
  const e = thrown(() => spec.check());
  assert.ok(e instanceof ShapeError);
  assert.deepEqual(e.problems.map((p) => [p.path, p.expected, p.received]), [
    ["sum (add)", "inputs of one shape", "[8, 8, 4] and [6, 6, 4]"],
  ]);
});

Deno.test("the summary shows where a node's inputs come from when the graph branches", () => {
  const text = residual().summary().toString();
  const row = (path: string) => text.split("\n").find((l) => l.startsWith(`${path} `))!;
  assert.match(text.split("\n")[2]!, /^Path\s+Layer\s+From\s+Output shape\s+Params\s+Trainable$/);
  assert.match(
    row("layer1.0.downsample.0"),
    /conv2d 1×1\/2 → 16\s+relu\s+\[4, 4, 16\]\s+128\s+yes/,
  );
  assert.match(
    row("layer1.0.add"),
    /add\s+layer1\.0\.bn2, layer1\.0\.downsample\.1\s+\[4, 4, 16\]/,
  );
  // a plain chain's rows leave it blank
  assert.match(row("layer1.0.bn1"), /batchNorm\s+\[4, 4, 16\]/);
  assert.equal(residual().summary().rows[10]!.inputs.length, 2);
});

Deno.test("graph() checks each node as it is added", () => {
  const g = graph("g", [4, 4, 1]).node("a", conv2d(2, 1));
  const cases: [() => unknown, string, string][] = [
    [() => g.node("b", relu(), { from: "nowhere" as never }), "b", '"nowhere"'],
    [() => g.node("b", add()), "b", "1"],
    [() => g.node("a", relu()), "a", '"a", in use'],
    [() => g.node("a.x", relu()), "a.x", '"a.x", in use'],
    [() => g.node("b c", relu()), '"b c"', '"b c"'],
    [() => g.node("b", {} as never), "b", "{}"],
  ];
  for (const [f, path, received] of cases) {
    const e = thrown(f);
    assert.ok(e instanceof SpecError, String(e));
    assert.equal(e.problems[0]!.path, path);
    assert.equal(e.problems[0]!.received, received);
    assert.match(e.problems[0]!.step, /^graph\(g\)\.node\(/);
  }
  const dead = graph("g", [4]).node("a", dense(2)).node("b", dense(2), { from: "input" });
  const e = thrown(() => dead.spec({ output: "b" }).check());
  assert.ok(e instanceof SpecError);
  assert.equal(e.problems[0]!.path, "a");
  assert.equal(e.problems[0]!.received, "a node nothing downstream uses");
});

Deno.test("graph paths and groups are literal types", () => {
  const spec = residual();
  spec.freeze("layer1").unfreeze("layer1.0.bn1");
  // @ts-expect-error "layer2" is not a group of this graph
  assert.throws(() => spec.freeze("layer2"), SpecError);
  // @ts-expect-error "layer1.0.conv3" is not a path of this graph
  assert.throws(() => spec.drop("layer1.0.conv3"), SpecError);
  // @ts-expect-error from names paths added earlier only
  assert.throws(() => graph("g", [4]).node("a", dense(2), { from: "b" }), SpecError);
});

Deno.test("insert after a node with two consumers feeds both of them", () => {
  const spec = residual().insert(dropout(0.1), { after: "relu" });
  const node = spec.node("relu.0")!;
  assert.equal(node.op, "dropout");
  assert.deepEqual(node.inputs, ["relu"]);
  assert.deepEqual(spec.node("layer1.0.conv1")?.inputs, ["relu.0"]);
  assert.deepEqual(spec.node("layer1.0.downsample.0")?.inputs, ["relu.0"]);
  spec.check();
});

Deno.test("insert before one branch's node changes that edge only", () => {
  const spec = residual().insert(relu(), { before: "layer1.0.downsample.1" });
  assert.deepEqual(spec.node("layer1.0.downsample.2")?.inputs, ["layer1.0.downsample.0"]);
  assert.deepEqual(spec.node("layer1.0.downsample.1")?.inputs, ["layer1.0.downsample.2"]);
  assert.deepEqual(spec.node("layer1.0.conv1")?.inputs, ["relu"]);
  assert.equal(
    spec.paths.indexOf("layer1.0.downsample.2") + 1,
    spec.paths.indexOf("layer1.0.downsample.1"),
  );
  const e = thrown(() => residual().insert(relu(), { before: "layer1.0.add" }));
  assert.ok(e instanceof SpecError);
  assert.equal(e.problems[0]!.received, "2 inputs (layer1.0.bn2, layer1.0.downsample.1)");
});

Deno.test("drop rewires a node inside a branch and refuses to cut at a branch point", () => {
  const spec = residual().drop("layer1.0.bn1");
  assert.deepEqual(spec.node("layer1.0.relu")?.inputs, ["layer1.0.conv1"]);
  spec.check();
  const fork = thrown(() => residual().drop("relu"));
  assert.ok(fork instanceof SpecError);
  assert.deepEqual([fork.problems[0]!.path, fork.problems[0]!.received], [
    "relu",
    "relu feeds 2 nodes: layer1.0.conv1, layer1.0.downsample.0",
  ]);
  assert.match(
    fork.problems[0]!.expected,
    /^a node that feeds one other node: dropping a branch point/,
  );
  const join = thrown(() => residual().drop("layer1.0.add"));
  assert.ok(join instanceof SpecError);
  assert.equal(
    join.problems[0]!.received,
    "2 inputs (add joins its inputs): layer1.0.bn2, layer1.0.downsample.1",
  );
});

Deno.test("drop of a whole residual block wires what followed it to what fed it", () => {
  const spec = residual().drop("layer1");
  assert.deepEqual(spec.node("avgpool")?.inputs, ["relu"]);
  assert.ok(spec.paths.every((p) => !p.startsWith("layer1")));
  assert.deepEqual(spec.shapes().get("fc"), [4]);
  assert.equal(spec.toJSON().retired.length, 9);
});

Deno.test("replace keeps a node's inputs, and a join is replaced only by a join", () => {
  const spec = residual().replace(
    "layer1.0.downsample.0",
    conv2d(16, 3, { strides: 2, padding: 1 }),
  );
  assert.deepEqual(spec.node("layer1.0.downsample.0")?.inputs, ["relu"]);
  spec.check();
  const e = thrown(() => residual().replace("layer1.0.add", relu()));
  assert.ok(e instanceof SpecError);
  assert.equal(e.problems[0]!.expected, "a layer taking several inputs, as add did");
  const head = residual().replaceHead(10);
  assert.deepEqual(head.shapes().get("fc"), [10]);
});

Deno.test("a graph spec round-trips through JSON", () => {
  const spec = residual().freeze("layer1");
  const back = fromJSON(JSON.stringify(spec));
  assert.equal(JSON.stringify(back), JSON.stringify(spec));
  assert.equal(back.summary().toString(), spec.summary().toString());
});

Deno.test("concat joins branches along the channel axis and builds", () => {
  const spec = graph("inception", [8, 8, 3])
    .node("a", conv2d(4, 1))
    .node("b", conv2d(6, 3, { padding: 1 }), { from: "input" })
    .node("join", concat(), { from: ["a", "b"] })
    .spec();
  assert.deepEqual(spec.shapes().get("join"), [8, 8, 10]);
  const bad = graph("bad", [8, 8, 3])
    .node("a", conv2d(4, 3))
    .node("join", concat(), { from: ["a", "input"] })
    .spec();
  const e = thrown(() => bad.check());
  assert.ok(e instanceof ShapeError);
  assert.equal(e.problems[0]!.received, "[6, 6, 4] and [8, 8, 3]");
});
