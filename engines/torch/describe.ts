import { groupOf, opDef, type Shape, type Spec, type WeightLayout } from "../../dsl/mod.ts";
import { flattenedFrom } from "../../weights/_spec_info.ts";
import { type TorchModuleSpec, torchOp } from "../../compile/_torch_ops.ts";

/**
 * How a torch tensor is stored in Graft's layout: `same`, `hwio` (OIHW conv kernels), `io`
 * (dense `[out, in]` transposed), or `{ flatten: [h, w, c] }` for a dense layer after a
 * channels-first flatten of an `[h, w, c]` map.
 *
 * @example
 * ```ts
 * import type { TorchLayout } from "@graft/graft/engines/torch";
 * const layout: TorchLayout = { flatten: [7, 7, 512] };
 * ```
 */
export type TorchLayout =
  | "same"
  | "hwio"
  | "io"
  | { readonly flatten: readonly [number, number, number] };

/**
 * One weight of a torch module: its attribute, its Graft name, and its layout.
 *
 * @example
 * ```ts
 * import type { TorchWeight } from "@graft/graft/engines/torch";
 * const w: TorchWeight = { torch: "running_var", graft: "moving_variance", layout: "same" };
 * ```
 */
export interface TorchWeight {
  /** Attribute of the torch module (`weight`, `running_var`). */
  readonly torch: string;
  /** Name in Graft's keys (`kernel`, `moving_variance`). */
  readonly graft: string;
  /** How the tensor converts to Graft's layout. */
  readonly layout: TorchLayout;
}

/**
 * A torch module for one node: class name, keyword arguments and weights.
 *
 * @example
 * ```ts
 * import type { TorchModule } from "@graft/graft/engines/torch";
 * const relu: TorchModule = { module: "ReLU", kwargs: {}, weights: [] };
 * ```
 */
export interface TorchModule extends TorchModuleSpec {
  /** The weights it owns, in Graft's order. */
  readonly weights: readonly TorchWeight[];
}

function layoutOf(
  layout: WeightLayout,
  flat: readonly [number, number, number] | undefined,
): TorchLayout {
  if (layout === "conv2dKernel") return "hwio";
  if (layout === "vector") return "same";
  return flat && flat[0] * flat[1] > 1 ? { flatten: flat } : "io";
}

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
    const inputs = node.inputs.map((i) => shapes.get(i)!) as [Shape, ...Shape[]];
    const m = torchOp(node.op)(node.config, inputs);
    const flat = flattenedFrom(data, shapes, node.path);
    const config = node.config as { readonly useBias?: boolean };
    const weights = opDef(node.op).weights
      .filter((w) => !w.optional || config.useBias !== false)
      .map((w) => ({ torch: w.torch, graft: w.name, layout: layoutOf(w.layout, flat) }));
    return {
      path: node.path,
      ...m,
      weights,
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
