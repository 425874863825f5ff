import assert from "node:assert/strict";
import {
  block,
  conv2d,
  fromJSON,
  relu,
  resnet,
  resnet101,
  resnet152,
  resnet18,
  resnet34,
  resnet50,
  SpecError,
} from "../dsl/mod.ts";

/** A node's config as plain data, whatever its op. */
const config = (node: { config: unknown } | undefined) =>
  (node?.config ?? {}) as Record<string, unknown>;

Deno.test("the five ResNets have torchvision's parameter counts", () => {
  assert.equal(resnet18().summary().total, 11_689_512);
  assert.equal(resnet34().summary().total, 21_797_672);
  assert.equal(resnet50().summary().total, 25_557_032);
  assert.equal(resnet101().summary().total, 44_549_160);
  assert.equal(resnet152().summary().total, 60_192_808);
});

Deno.test("ResNet paths are torchvision's module names", () => {
  const spec = resnet50();
  const weighted = spec.nodes.filter((n) => n.op !== "relu" && n.op !== "add").map((n) => n.path);
  assert.deepEqual(weighted.slice(0, 14), [
    "conv1",
    "bn1",
    "maxpool",
    "layer1.0.conv1",
    "layer1.0.bn1",
    "layer1.0.conv2",
    "layer1.0.bn2",
    "layer1.0.conv3",
    "layer1.0.bn3",
    "layer1.0.downsample.0",
    "layer1.0.downsample.1",
    "layer1.1.conv1",
    "layer1.1.bn1",
    "layer1.1.conv2",
  ]);
  assert.deepEqual(weighted.slice(-3), ["layer4.2.bn3", "avgpool", "fc"]);
  // torchvision's state dict: 53 convolutions, 53 BatchNorms (5 tensors each), fc (2).
  const count = (op: string) => spec.nodes.filter((n) => n.op === op).length;
  assert.equal(count("conv2d") + 5 * count("batchNorm") + 2, 320);
  assert.equal(count("add"), 16);
  // Basic blocks downsample where the stride or the width changes: layer2..4, block 0.
  const downsampled = resnet18().paths.filter((p) => p.endsWith("downsample.0"));
  assert.deepEqual(downsampled, [
    "layer2.0.downsample.0",
    "layer3.0.downsample.0",
    "layer4.0.downsample.0",
  ]);
});

Deno.test("a residual block adds its last BatchNorm and its shortcut", () => {
  const spec = resnet18();
  assert.deepEqual(spec.node("layer1.0.add")?.inputs, ["layer1.0.bn2", "maxpool"]);
  assert.deepEqual(spec.node("layer2.0.add")?.inputs, ["layer2.0.bn2", "layer2.0.downsample.1"]);
  assert.deepEqual(spec.node("layer2.0.downsample.0")?.inputs, ["layer1.1.relu"]);
  assert.deepEqual(config(spec.node("layer2.0.conv1")).strides, [2, 2]);
  assert.deepEqual(config(spec.node("layer2.0.downsample.0")).strides, [2, 2]);
  // v1.5 strides on the 3×3 convolution of a bottleneck, v1 on the first 1×1.
  assert.deepEqual(config(resnet50().node("layer2.0.conv2")).strides, [2, 2]);
  assert.deepEqual(config(resnet50().node("layer2.0.conv1")).strides, [1, 1]);
  assert.deepEqual(config(resnet50({ variant: "v1" }).node("layer2.0.conv1")).strides, [2, 2]);
  assert.deepEqual(config(resnet50({ variant: "v1" }).node("layer2.0.conv2")).strides, [1, 1]);
});

Deno.test("the CIFAR stem keeps 32×32 into layer1 and has no max pool", () => {
  const spec = resnet18({ inputShape: [32, 32, 3], classes: 10, cifarStem: true });
  const shapes = spec.shapes();
  assert.deepEqual(config(spec.node("conv1")).kernelSize, [3, 3]);
  assert.deepEqual(config(spec.node("conv1")).strides, [1, 1]);
  assert.equal(spec.paths.includes("maxpool" as never), false);
  assert.deepEqual(shapes.get("layer1.1.relu"), [32, 32, 64]);
  assert.deepEqual(shapes.get("layer4.1.relu"), [4, 4, 512]);
  assert.deepEqual(shapes.get("fc"), [10]);
  // torchvision's resnet18(num_classes=10) with a 3×3 conv1.
  assert.equal(spec.summary().total, 11_173_962);
  // The ImageNet stem at 32×32 shrinks layer4's map to 1×1.
  assert.deepEqual(resnet18({ inputShape: [32, 32, 3] }).shapes().get("layer4.1.relu"), [
    1,
    1,
    512,
  ]);
});

Deno.test("replaceHead() replaces fc; freeze() takes torchvision's top-level modules", () => {
  const spec = resnet50().replaceHead(10).freeze("conv1").freeze("bn1").freeze("layer1");
  assert.equal(config(spec.node("fc")).units, 10);
  assert.equal(spec.node("fc")?.origin, 2);
  assert.equal(spec.node("layer1.2.bn3")?.trainable, false);
  assert.equal(spec.node("layer1.0.downsample.0")?.trainable, false);
  assert.equal(spec.node("layer2.0.conv1")?.trainable, true);
  assert.equal(spec.node("bn1")?.trainable, false);
  assert.equal(spec.summary().total, 25_557_032 - 2048 * 990 - 990);
});

Deno.test("a block inserted after layer4 sits between layer4 and the pooling", () => {
  const spec = resnet18({ inputShape: [64, 64, 3] })
    .insert(block("extra", [conv2d(512, 3, { padding: 1 }), relu()]), { after: "layer4" })
    .check();
  assert.deepEqual(spec.node("extra.0")?.inputs, ["layer4.1.relu"]);
  assert.deepEqual(spec.node("avgpool")?.inputs, ["extra.1"]);
  assert.equal(spec.freeze("extra").node("extra.1")?.trainable, false);
  // A group with two entries (conv1 and downsample.0 both read layer1's output) is ambiguous.
  assert.throws(
    () => resnet18().insert(block("pre", [relu()]), { before: "layer2" }),
    /one entry .*2: layer2\.0\.conv1, layer2\.0\.downsample\.0/,
  );
  // @ts-expect-error "layer5" is neither a path nor a group
  assert.throws(() => resnet18().insert(block("x", [relu()]), { after: "layer5" }), SpecError);
});

Deno.test("dropping a node that feeds two others is an error that says why", () => {
  // layer1.0.relu feeds layer1.1.conv1 and, through the shortcut, layer1.1.add.
  assert.throws(
    () => resnet18().drop("layer1.0.relu"),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.match(e.message, /layer1\.0\.relu/);
      assert.match(e.message, /layer1\.1\.conv1/);
      assert.match(e.message, /layer1\.1\.add/);
      return true;
    },
  );
  // An add joins two inputs: nothing can take its place.
  assert.throws(() => resnet18().drop("layer1.0.add"), /2 inputs/);
});

Deno.test("the summary shows where each residual join takes its inputs from", () => {
  const text = resnet18().summary().toString();
  assert.match(text, /layer1\.0\.add\s+add\s+layer1\.0\.bn2, maxpool/);
  assert.match(text, /layer2\.0\.downsample\.0\s+conv2d 1×1\/2 → 128\s+layer1\.1\.relu/);
  assert.match(text, /Total params: 11,689,512/);
});

Deno.test("resnet() builds any depth and width, and a spec round-trips through JSON", () => {
  const spec = resnet({
    block: "bottleneck",
    blocks: [1, 2, 1, 1],
    width: 4,
    inputShape: [64, 64, 3],
    classes: 10,
    name: "tiny",
  });
  assert.equal(spec.name, "tiny");
  assert.deepEqual(spec.shapes().get("layer4.0.relu"), [2, 2, 128]);
  assert.deepEqual(fromJSON(JSON.stringify(spec.toJSON())).toJSON(), spec.toJSON());
  assert.throws(() => resnet({ block: "basic", blocks: [1, 0, 1, 1] }), /blocks/);
  assert.throws(() => resnet({ block: "basic", blocks: [1, 1, 1, 1], width: 0 }), /width/);
  assert.throws(
    () => resnet50({ variant: "v1", weights: "imagenet" }),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.problems[0]?.path, "weights");
      assert.match(e.message, /imagenet weights are v1\.5/);
      assert.match(e.message, /origin: "keras"/);
      return true;
    },
  );
});

Deno.test("paths a ResNet does not have fail to compile", () => {
  // @ts-expect-error ResNet has layer1..layer4
  assert.throws(() => resnet50().freeze("layer5"), SpecError);
  // @ts-expect-error a basic block has no conv3
  assert.throws(() => resnet18().freeze("layer1.0.conv3"), SpecError);
  // @ts-expect-error resnet18's layer1 keeps its width: no downsample
  assert.throws(() => resnet18().freeze("layer1.0.downsample.0"), SpecError);
  // @ts-expect-error resnet34's layer4 has blocks 0..2
  assert.throws(() => resnet34().freeze("layer4.3.conv1"), SpecError);
  // @ts-expect-error the CIFAR stem has no max pool
  assert.throws(() => resnet18({ cifarStem: true }).drop("maxpool"), SpecError);
  resnet152().freeze("layer3.35.conv3").freeze("layer1.0.downsample.1");
  resnet18().freeze("layer4.*");
});
