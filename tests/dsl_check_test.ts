import assert from "node:assert/strict";
import {
  block,
  conv2d,
  dense,
  flatten,
  globalAvgPool2d,
  maxPool2d,
  relu,
  sequential,
  ShapeError,
  vgg16,
} from "../dsl/mod.ts";

// The seed's CustomLayer: a conv2d appended after the 10-way head, fed the flat output.
const seedCustomLayer = () => block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]);

Deno.test("check() rejects the seed's CustomLayer at build time, naming the step", () => {
  const spec = vgg16().replaceHead(10).insert(seedCustomLayer()).drop(2).freeze("features");
  try {
    spec.check();
    assert.fail("check() accepted a conv2d fed a flat input");
  } catch (e) {
    assert.ok(e instanceof ShapeError);
    assert.equal(e.problems.length, 1);
    const p = e.problems[0]!;
    assert.equal(p.step, "step 3 insert(custom_layer)");
    assert.equal(p.path, "custom_layer.0 (conv2d)");
    assert.equal(p.expected, "an image input [height, width, channels]");
    assert.equal(p.received, "[10]");
    assert.match(e.message, /^Spec does not fit together: step 3 insert\(custom_layer\)/);
  }
});

Deno.test("check() reports every problem at once", () => {
  const spec = vgg16().drop("flatten").insert(seedCustomLayer());
  try {
    spec.check();
    assert.fail("check() accepted two broken layers");
  } catch (err) {
    assert.ok(err instanceof ShapeError);
    assert.deepEqual(err.problems.map((p) => [p.step, p.path, p.received]), [
      ["step 2 drop(flatten)", "classifier.0 (dense)", "[7, 7, 512]"],
      ["step 3 insert(custom_layer)", "custom_layer.0 (conv2d)", "[1000]"],
    ]);
    assert.match(err.message, /\(2 problems\):\n {2}- step 2 drop\(flatten\)/);
  }
});

Deno.test("check() blames the drop that broke the wiring", () => {
  const spec = vgg16().drop("flatten");
  try {
    spec.check();
    assert.fail("dropping flatten went unnoticed");
  } catch (e) {
    assert.ok(e instanceof ShapeError);
    assert.equal(e.problems[0]!.step, "step 2 drop(flatten)");
    assert.equal(e.problems[0]!.path, "classifier.0 (dense)");
    assert.equal(e.problems[0]!.received, "[7, 7, 512]");
  }
});

Deno.test("a working custom block passes check()", () => {
  const spec = vgg16({ inputShape: [32, 32, 3] }).replaceHead(10)
    .insert(seedCustomLayer(), { after: "features.29" }).drop(2).freeze("features");
  assert.equal(spec.check(), spec);
  assert.deepEqual(spec.shapes().get("custom_layer.1"), [2, 2, 512]);
  assert.deepEqual(spec.shapes().get("classifier.6"), [10]);
});

Deno.test("32×32 inputs reach the classifier through the 7×7 adaptive pool", () => {
  const shapes = vgg16({ inputShape: [32, 32, 3] }).shapes();
  assert.deepEqual(shapes.get("features.30"), [1, 1, 512]);
  assert.deepEqual(shapes.get("avgpool"), [7, 7, 512]);
  assert.deepEqual(shapes.get("flatten"), [25088]);
});

Deno.test("shape inference follows strides, padding and pooling", () => {
  const spec = sequential("s", [15, 9, 3], {
    a: [
      conv2d(4, 3, { strides: 2, padding: "same" }),
      conv2d(5, [3, 1], { padding: "valid" }),
      conv2d(6, 5, { padding: 2 }),
      maxPool2d(2),
      globalAvgPool2d(),
    ],
    b: [dense(3)],
  });
  const s = spec.shapes();
  assert.deepEqual(s.get("a.0"), [8, 5, 4]);
  assert.deepEqual(s.get("a.1"), [6, 5, 5]);
  assert.deepEqual(s.get("a.2"), [6, 5, 6]);
  assert.deepEqual(s.get("a.3"), [3, 2, 6]);
  assert.deepEqual(s.get("a.4"), [6]);
  assert.deepEqual(s.get("b.0"), [3]);
});

Deno.test("a window larger than its input is a shape problem", () => {
  const spec = sequential("s", [2, 2, 1], { a: [conv2d(1, 3)], b: [flatten()] });
  assert.throws(() => spec.check(), /expected a spatial size of at least 3×3 after padding/);
});

Deno.test("the zoo rejects inputs smaller than 32×32", () => {
  assert.throws(() => vgg16({ inputShape: [16, 16, 3] }), /at least 32×32, received 16×16×3/);
});

Deno.test("a second flatten() is a shape problem at check time, not at build time", () => {
  const spec = vgg16().insert(flatten(), { after: "flatten" });
  assert.throws(
    () => spec.check(),
    /step 2 insert\(flatten\{\}, \{ after: flatten \}\) at flatten\.0 \(flatten\): expected an input with at least two axes.*received \[25088\]/,
  );
});
