// The PyTorch compiler's table: how each op of the DSL's op table becomes a torch.nn module
// (class name and keyword arguments, channels first). Keyed by the same `Op`, exhaustive: an op
// without an entry here does not compile. engines/torch/python/model.py builds the modules; the
// weights' torch names and layouts come from the op table itself (`OPS[op].weights`).
import type { Inputs, Op, OpConfig } from "../dsl/mod.ts";

/** A JSON value (a keyword argument of a torch module). */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json };

/** A torch module for one node: the class name model.py knows and its keyword arguments. */
export interface TorchModuleSpec {
  /** `Conv2d`, `Linear`, `BatchNorm2d`, ... (model.py's MODULES). */
  readonly module: string;
  /** Keyword arguments of the constructor. */
  readonly kwargs: { readonly [key: string]: Json };
}

/** How one op compiles to PyTorch, given its config and its input shapes (channels last). */
export type TorchOp<K extends Op> = (config: OpConfig<K>, inputs: Inputs) => TorchModuleSpec;

/**
 * The type of the PyTorch compiler table: one entry per op, no more and no fewer.
 *
 * @example
 * ```ts
 * import type { TorchTable } from "@graft/graft/engines/torch";
 * type ReluEntry = TorchTable["relu"];
 * ```
 */
export type TorchTable = { readonly [K in Op]: TorchOp<K> };

type Stored = "same" | "valid" | readonly [number, number];

/**
 * PyTorch padding of a window: `{ padding: [ph, pw] }` when symmetric, else
 * `{ pad: [left, right, top, bottom] }` (TensorFlow's "same" with a stride).
 */
function padding(
  p: Stored,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  input: readonly number[],
): { [key: string]: Json } {
  if (p === "valid") return { padding: [0, 0] };
  if (p !== "same") return { padding: [p[0], p[1]] };
  const before: number[] = [];
  const after: number[] = [];
  for (const axis of [0, 1] as const) {
    const size = input[axis]!;
    const out = Math.ceil(size / strides[axis]);
    const total = Math.max((out - 1) * strides[axis] + kernel[axis] - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  if (before[0] === after[0] && before[1] === after[1]) return { padding: before };
  return { pad: [before[1]!, after[1]!, before[0]!, after[0]!] };
}

function pool(module: "MaxPool2d" | "AvgPool2d"): TorchOp<"maxPool2d" | "avgPool2d"> {
  return (c, [x]) => ({
    module,
    kwargs: {
      kernel_size: [...c.poolSize],
      stride: [...c.strides],
      ...padding(c.padding, c.poolSize, c.strides, x),
      ...(module === "AvgPool2d" ? { count_include_pad: c.padding !== "same" } : {}),
    },
  });
}

/**
 * The PyTorch compiler table: one entry per op.
 *
 * @example
 * ```ts
 * import { TORCH_OPS } from "@graft/graft/engines/torch";
 * console.log(TORCH_OPS.dense({ units: 10, useBias: true }, [[512]]).kwargs.in_features); // 512
 * ```
 */
export const TORCH_OPS: TorchTable = Object.freeze({
  conv2d: (c, [x]) => ({
    module: "Conv2d",
    kwargs: {
      in_channels: x[2]!,
      out_channels: c.filters,
      kernel_size: [...c.kernelSize],
      stride: [...c.strides],
      ...padding(c.padding, c.kernelSize, c.strides, x),
      bias: c.useBias,
    },
  }),
  dense: (c, [x]) => ({
    module: "Linear",
    kwargs: { in_features: x[0]!, out_features: c.units, bias: c.useBias },
  }),
  relu: () => ({ module: "ReLU", kwargs: {} }),
  dropout: (c) => ({ module: "Dropout", kwargs: { p: c.rate } }),
  maxPool2d: pool("MaxPool2d"),
  avgPool2d: pool("AvgPool2d"),
  adaptiveAvgPool2d: (c) => ({
    module: "AdaptiveAvgPool2d",
    kwargs: { output_size: [...c.outputSize] },
  }),
  globalAvgPool2d: () => ({ module: "GlobalAvgPool2d", kwargs: {} }),
  flatten: () => ({ module: "Flatten", kwargs: {} }),
  add: () => ({ module: "Add", kwargs: {} }),
  concat: () => ({ module: "Concat", kwargs: {} }),
  batchNorm: (c, [x]) => ({
    module: x.length === 3 ? "BatchNorm2d" : "BatchNorm1d",
    kwargs: { num_features: x[x.length - 1]!, eps: c.epsilon, momentum: c.momentum },
  }),
});

/** The entry of an op, callable with any node's config (a node's op and config agree). */
export function torchOp(op: Op): TorchOp<Op> {
  return TORCH_OPS[op] as unknown as TorchOp<Op>;
}
