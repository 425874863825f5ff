// Test helpers: a small residual network built by hand with graph().
import { add, batchNorm, conv2d, dense, globalAvgPool2d, graph, relu } from "../dsl/mod.ts";

/** A stem, one residual block with a 1×1 projection shortcut, and a head: torchvision's names. */
export function residual() {
  return graph("tiny_resnet", [8, 8, 3])
    .node("conv1", conv2d(8, 3, { padding: 1, useBias: false }))
    .node("bn1", batchNorm())
    .node("relu", relu())
    .node("layer1.0.conv1", conv2d(16, 3, { strides: 2, padding: 1, useBias: false }))
    .node("layer1.0.bn1", batchNorm())
    .node("layer1.0.relu", relu())
    .node("layer1.0.conv2", conv2d(16, 3, { padding: 1, useBias: false }))
    .node("layer1.0.bn2", batchNorm())
    .node("layer1.0.downsample.0", conv2d(16, 1, { strides: 2, useBias: false }), {
      from: "relu",
    })
    .node("layer1.0.downsample.1", batchNorm())
    .node("layer1.0.add", add(), { from: ["layer1.0.bn2", "layer1.0.downsample.1"] })
    .node("layer1.0.relu2", relu())
    .node("avgpool", globalAvgPool2d())
    .node("fc", dense(4))
    .spec();
}
