// Type tests: each @ts-expect-error fails `deno check` if the line starts to compile.
import assert from "node:assert/strict";
import {
  block,
  dense,
  type InsertAt,
  relu,
  sequential,
  SpecError,
  vgg11,
  vgg16,
} from "../dsl/mod.ts";

Deno.test("freeze() of a misspelt group fails to compile and throws", () => {
  // @ts-expect-error "featurs" is not a vgg16 group
  assert.throws(() => vgg16().freeze("featurs"), SpecError);
});

Deno.test("drop() of a misspelt path fails to compile and throws", () => {
  // @ts-expect-error "clasifier.2" is not a vgg16 path
  assert.throws(() => vgg16().drop("clasifier.2"), SpecError);
});

Deno.test("paths beyond a model's depth fail to compile", () => {
  // @ts-expect-error vgg11 has features.0..20 only
  assert.throws(() => vgg11().freeze("features.25"), SpecError);
  // with BatchNorm it has features.0..28
  assert.equal(
    vgg11({ batchNorm: true }).freeze("features.25").node("features.25")?.trainable,
    false,
  );
  // @ts-expect-error classifier has 7 layers
  assert.throws(() => vgg16().replace("classifier.7", relu()), SpecError);
});

Deno.test("a dropped path no longer compiles", () => {
  const spec = vgg16().drop("classifier.2");
  // @ts-expect-error classifier.2 was dropped
  assert.throws(() => spec.freeze("classifier.2"), SpecError);
  spec.freeze("classifier.3");
});

Deno.test("an inserted block's group and paths become known", () => {
  const spec = vgg16().insert(block("custom_layer", [dense(10), relu()]));
  assert.equal(spec.freeze("custom_layer").node("custom_layer.1")?.trainable, false);
  assert.equal(spec.freeze("custom_layer.0").node("custom_layer.0")?.trainable, false);
  // @ts-expect-error "custom" is not a group
  assert.throws(() => spec.freeze("custom"), SpecError);
});

Deno.test("group globs compile only for known groups", () => {
  vgg16().freeze("features.*");
  // @ts-expect-error "feature" is not a group
  assert.throws(() => vgg16().freeze("feature.*"), SpecError);
});

Deno.test("sequential() specs know their groups", () => {
  const spec = sequential("s", [4], { body: [dense(3)], head: [dense(2)] });
  spec.freeze("body");
  // @ts-expect-error "bdy" is not a group
  assert.throws(() => spec.freeze("bdy"), SpecError);
});

Deno.test("drop() by index keeps every other path known", () => {
  const spec = vgg16().drop(2);
  assert.equal(spec.freeze("classifier.6").node("classifier.6")?.trainable, false);
  assert.equal(spec.node("features.0")?.op, "conv2d");
});

Deno.test("insert() next to a nested path makes its new path known", () => {
  const spec = vgg16().insert(relu(), { after: "features.29" });
  assert.equal(spec.freeze("features.31").node("features.31")?.op, "relu");
  // @ts-expect-error the inserted path is features.31, not features.3x
  assert.throws(() => spec.freeze("features.3x"), SpecError);
  const where: InsertAt<"features.29"> = { before: "features.29" };
  assert.equal(vgg16().insert(relu(), where).paths.length, vgg16().paths.length + 1);
});
