import { groupOf, type Spec } from "../../dsl/mod.ts";
import { flattenedFrom } from "../../weights/_spec_info.ts";
import { TORCH_OPS, type TorchModule } from "../../compile/_torch_ops.ts";

/**
 * One node of a {@linkcode TorchModuleDescription}: a torch module at the spec's path.
 *
 * @example
 * ```ts
 * import type { TorchNode } from "@graft/graft/engines/torch";
 * const node: TorchNode = {
 *   path: "classifier.6",
 *   module: "Linear",
 *   kwargs: { in_features: 4096, out_features: 10, bias: true },
 *   weights: [],
 *   inputs: ["classifier.5"],
 *   trainable: true,
 *   group: "classifier",
 * };
 * ```
 */
export interface TorchNode extends TorchModule {
  /** The spec path, which is also the module's name in the state dict. */
  readonly path: string;
  /** Paths feeding it (`input` for the image batch). */
  readonly inputs: readonly string[];
  /** Whether training updates its parameters. */
  readonly trainable: boolean;
  /** First segment of the path (the parameter group). */
  readonly group: string;
}

/**
 * A spec as PyTorch modules: what `engines/torch/python/model.py` builds an `nn.Module` from
 * (channels first; module names are the spec's paths, so the state dict has torchvision's keys).
 *
 * @example
 * ```ts
 * import { describeTorch } from "@graft/graft/engines/torch";
 * import { vgg11 } from "@graft/graft/dsl";
 * const d = describeTorch(vgg11({ inputShape: [32, 32, 3] }).replaceHead(10));
 * console.log(d.nodes[0]?.module, d.classes); // "Conv2d" 10
 * ```
 */
export interface TorchModuleDescription {
  /** Format tag. */
  readonly format: "graft.torch-module/v1";
  /** The spec's name. */
  readonly name: string;
  /** Input shape, channels first: `[channels, height, width]`. */
  readonly input: readonly number[];
  /** Width of the output (classes). */
  readonly classes: number;
  /** Modules in topological order. */
  readonly nodes: readonly TorchNode[];
  /** The node whose output is the model's. */
  readonly output: string;
}

/**
 * Describes a spec as PyTorch modules through the op table's torch entries (checks the spec's
 * shapes first).
 *
 * @example
 * ```ts
 * import { describeTorch } from "@graft/graft/engines/torch";
 * import { conv2d, dense, flatten, sequential } from "@graft/graft/dsl";
 * const spec = sequential("tiny", [8, 8, 3], {
 *   features: [conv2d(4, 3)],
 *   classifier: [flatten(), dense(2)],
 * });
 * console.log(JSON.stringify(describeTorch(spec).nodes[2]?.weights[0]?.layout)); // {"flatten":[6,6,4]}
 * ```
 */
export function describeTorch(spec: Spec): TorchModuleDescription {
  const data = spec.toJSON();
  const shapes = spec.shapes();
  const nodes = data.nodes.map((node): TorchNode => {
    const input = shapes.get(node.inputs[0]!)!;
    const m = TORCH_OPS[node.op]({
      node,
      input,
      flattenedFrom: flattenedFrom(data, shapes, node.path),
    });
    return {
      path: node.path,
      ...m,
      inputs: node.inputs,
      trainable: node.trainable,
      group: groupOf(node.path),
    };
  });
  const inputShape = data.input.shape;
  const channelsFirst = inputShape.length === 3
    ? [inputShape[2]!, inputShape[0]!, inputShape[1]!]
    : [...inputShape];
  const out = shapes.get(data.output)!;
  return {
    format: "graft.torch-module/v1",
    name: data.name,
    input: channelsFirst,
    classes: out[out.length - 1]!,
    nodes,
    output: data.output,
  };
}
