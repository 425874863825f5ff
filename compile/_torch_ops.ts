// The op table's PyTorch compiler: each spec node as a torch.nn module description (class,
// keyword arguments, and how its weights map to Graft's names and channels-last layout).
// engines/torch/python/model.py builds the modules; Graft's own compiler is compile/build.ts.
import type { Json, Op, Shape, SpecNode } from "../dsl/mod.ts";

/**
 * How a torch tensor is stored in Graft's layout: `same`, `hwio` (OIHW conv kernels), `io`
 * (dense `[out, in]` transposed), or `{ flatten: [h, w, c] }` for a dense layer after a
 * channels-first flatten of an `[h, w, c]` map.
 */
export type TorchLayout = "same" | "hwio" | "io" | {
  readonly flatten: readonly [number, number, number];
};

/** One weight of a module: its torch attribute, its Graft name, and its layout. */
export interface TorchWeight {
  /** Attribute of the torch module (`weight`, `running_var`). */
  readonly torch: string;
  /** Name in Graft's keys (`kernel`, `moving_variance`). */
  readonly graft: string;
  /** How the tensor converts to Graft's layout. */
  readonly layout: TorchLayout;
}

/** A torch module for one node: the class name model.py knows, its kwargs, its weights. */
export interface TorchModule {
  /** `Conv2d`, `Linear`, `BatchNorm2d`, ... (model.py's MODULES). */
  readonly module: string;
  /** Keyword arguments of the constructor. */
  readonly kwargs: { readonly [key: string]: Json };
  /** The weights it owns, in Graft's order. */
  readonly weights: readonly TorchWeight[];
}

/** What a table entry sees: the node, its input shape (channels last), and, for a dense layer fed by a flatten, the flattened map's shape. */
export interface TorchOpInput {
  readonly node: SpecNode;
  readonly input: Shape;
  readonly flattenedFrom: readonly [number, number, number] | undefined;
}

type Config = { readonly [key: string]: Json };

function pair(v: Json | undefined): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
}

/**
 * PyTorch padding of a windowed op: `{ padding: [ph, pw] }` when symmetric, else
 * `{ pad: [left, right, top, bottom] }` (TensorFlow's "same" with a stride).
 */
function padding(config: Config, input: Shape, kernelKey: string): { [key: string]: Json } {
  const p = config.padding;
  if (p !== "same") return { padding: p === "valid" || p === undefined ? [0, 0] : pair(p) };
  const k = pair(config[kernelKey]);
  const s = pair(config.strides);
  const before: number[] = [];
  const after: number[] = [];
  for (const axis of [0, 1] as const) {
    const size = input[axis]!;
    const out = Math.ceil(size / s[axis]);
    const total = Math.max((out - 1) * s[axis] + k[axis] - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  if (before[0] === after[0] && before[1] === after[1]) return { padding: before };
  return { pad: [before[1]!, after[1]!, before[0]!, after[0]!] };
}

const BIAS: TorchWeight = { torch: "bias", graft: "bias", layout: "same" };

function pool(module: string, { node, input }: TorchOpInput): TorchModule {
  const c = node.config;
  return {
    module,
    kwargs: {
      kernel_size: pair(c.poolSize),
      stride: pair(c.strides),
      ...padding(c, input, "poolSize"),
      ...(module === "AvgPool2d" ? { count_include_pad: c.padding !== "same" } : {}),
    },
    weights: [],
  };
}

/**
 * Every op of the catalogue as a torch module (`satisfies Record<Op, …>`: a new op does not
 * compile until it has an entry here).
 */
export const TORCH_OPS = {
  conv2d: ({ node, input }) => {
    const c = node.config;
    const bias = c.useBias !== false;
    return {
      module: "Conv2d",
      kwargs: {
        in_channels: input[2]!,
        out_channels: Number(c.filters),
        kernel_size: pair(c.kernelSize),
        stride: pair(c.strides),
        ...padding(c, input, "kernelSize"),
        bias,
      },
      weights: [{ torch: "weight", graft: "kernel", layout: "hwio" }, ...(bias ? [BIAS] : [])],
    };
  },
  dense: ({ node, input, flattenedFrom }) => {
    const bias = node.config.useBias !== false;
    const f = flattenedFrom && flattenedFrom[0] * flattenedFrom[1] > 1 ? flattenedFrom : undefined;
    return {
      module: "Linear",
      kwargs: { in_features: input[0]!, out_features: Number(node.config.units), bias },
      weights: [
        { torch: "weight", graft: "kernel", layout: f ? { flatten: f } : "io" },
        ...(bias ? [BIAS] : []),
      ],
    };
  },
  relu: () => ({ module: "ReLU", kwargs: {}, weights: [] }),
  dropout: ({ node }) => ({
    module: "Dropout",
    kwargs: { p: Number(node.config.rate) },
    weights: [],
  }),
  maxPool2d: (x) => pool("MaxPool2d", x),
  avgPool2d: (x) => pool("AvgPool2d", x),
  adaptiveAvgPool2d: ({ node }) => ({
    module: "AdaptiveAvgPool2d",
    kwargs: { output_size: pair(node.config.outputSize) },
    weights: [],
  }),
  globalAvgPool2d: () => ({ module: "GlobalAvgPool2d", kwargs: {}, weights: [] }),
  flatten: () => ({ module: "Flatten", kwargs: {}, weights: [] }),
  batchNorm: ({ node, input }) => ({
    module: input.length === 3 ? "BatchNorm2d" : "BatchNorm1d",
    kwargs: {
      num_features: input[input.length - 1]!,
      eps: Number(node.config.epsilon),
      momentum: Number(node.config.momentum),
    },
    weights: [
      { torch: "weight", graft: "gamma", layout: "same" },
      { torch: "bias", graft: "beta", layout: "same" },
      { torch: "running_mean", graft: "moving_mean", layout: "same" },
      { torch: "running_var", graft: "moving_variance", layout: "same" },
    ],
  }),
} as const satisfies Record<Op, (x: TorchOpInput) => TorchModule>;
