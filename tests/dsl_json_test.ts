import assert from "node:assert/strict";
import { block, conv2d, fromJSON, relu, SpecError, vgg16, vgg19 } from "../dsl/mod.ts";

Deno.test("toJSON() and fromJSON() round-trip exactly", () => {
  const spec = vgg16({ batchNorm: true, inputShape: [32, 32, 3] }).replaceHead(10)
    .insert(block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]), {
      after: "features.42",
    })
    .drop(2).freeze("features");
  const text = JSON.stringify(spec);
  const back = fromJSON(text);
  assert.equal(JSON.stringify(back), text);
  assert.deepEqual(back.toJSON(), JSON.parse(text));
  assert.equal(back.summary().toString(), spec.summary().toString());
  // the copy is a live spec: editing it works and names stay stable
  assert.equal(back.unfreeze("features.40").node("features.40")?.trainable, true);
  assert.equal(fromJSON(spec.toJSON()).nodes.length, spec.nodes.length);
});

Deno.test("fromJSON() reports every structural problem at once", () => {
  const data = JSON.parse(JSON.stringify(vgg19()));
  data.nodes[3].op = "conv3d";
  data.nodes[5].trainable = "yes";
  delete data.head;
  try {
    fromJSON(data);
    assert.fail("accepted a broken spec");
  } catch (e) {
    assert.ok(e instanceof SpecError);
    const where = e.problems.map((p) => p.path).sort();
    assert.deepEqual(where, ["head", "nodes.3.op", "nodes.5.trainable"]);
    assert.ok(e.problems.every((p) => p.step === "fromJSON"));
  }
});

Deno.test("fromJSON() rejects broken wiring", () => {
  const data = JSON.parse(JSON.stringify(vgg16()));
  data.nodes[4].inputs = ["features.9"];
  data.output = "nowhere";
  try {
    fromJSON(data);
    assert.fail("accepted broken wiring");
  } catch (e) {
    assert.ok(e instanceof SpecError);
    assert.deepEqual(e.problems.map((p) => [p.path, p.received]), [
      ["features.4", '"features.9"'],
      ["output", '"nowhere"'],
    ]);
  }
});
