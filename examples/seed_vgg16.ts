// The seed recipe, step by step in Graft. Run: deno run --allow-env --allow-read examples/seed_vgg16.ts
//
// PyTorch original:
//   model = torchvision.models.vgg16(pretrained=True); print(model)
//   model.classifier[6] = nn.Linear(4096, 10)
//   model.classifier.add_module("custom_layer", CustomLayer())   # conv2d on a flat input
//   del model.classifier[2]
//   for p in model.features.parameters(): p.requires_grad = False
import { build } from "../compile/mod.ts";
import { useBackend } from "../backends/mod.ts";
import { block, conv2d, relu, ShapeError, vgg16 } from "../dsl/mod.ts";

// 1. Load VGG16 (CIFAR-10 sized input; torchvision's adaptive pool keeps the 25088-wide
//    classifier) and print it.
const base = vgg16({ inputShape: [32, 32, 3] });
console.log(base.summary().toString());

// 2. Replace classifier.6 with a 10-way layer.
const tenWay = base.replaceHead(10);

// 3. The seed's CustomLayer appended after the head feeds a conv2d the flat [10] output.
//    PyTorch only fails in the first forward pass; Graft says so now, naming the step.
const customLayer = block("custom_layer", [conv2d(512, 3, { padding: 1 }), relu()]);
try {
  tenWay.insert(customLayer).drop(2).freeze("features").check();
} catch (e) {
  if (!(e instanceof ShapeError)) throw e;
  console.log(`\nRejected as expected:\n${e.message}\n`);
}

// 4. A working custom block: the same layers where an image tensor flows, after the last conv.
const spec = tenWay
  .insert(customLayer, { after: "features.29" })
  .drop(2) //                        del model.classifier[2]: later names do not shift
  .freeze("features") //             requires_grad = False on features
  .check();

// 5. Build it: a TensorFlow.js model, frozen layers marked, same seed same weights.
await useBackend("cpu");
const model = build(spec, { seed: 42 });
console.log(spec.summary().toString());
console.log(
  `\nBuilt ${model.name}: ${model.layers.length - 1} layers, ` +
    `${model.trainableWeights.length} trainable weight tensors, output ${
      JSON.stringify(model.outputs[0]?.shape)
    }`,
);
