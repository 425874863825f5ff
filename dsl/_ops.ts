// The layer catalogue's semantics: shape inference and parameter counts per op.
import type { Json, Op, Shape } from "./types.ts";

/** Result of inferring one node's output. */
export type Inferred =
  | { readonly ok: true; readonly shape: Shape }
  | { readonly ok: false; readonly expected: string; readonly received: string };

/** Parameter counts of one node, given its input shape. */
export interface Counts {
  readonly params: number;
  readonly buffers: number;
}

type Config = { readonly [key: string]: Json };

const IMAGE = "an image input [height, width, channels]";
const FLAT = "a flat input [features] (add flatten() before it)";

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

function ok(shape: Shape): Inferred {
  return { ok: true, shape };
}

function bad(expected: string, received: Shape): Inferred {
  return { ok: false, expected, received: formatShape(received) };
}

function pairOf(v: Json | undefined): [number, number] {
  return Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)];
}

/** Output size of one spatial axis; `padding` as stored in a config. */
export function windowOut(
  size: number,
  kernel: number,
  stride: number,
  padding: Json | undefined,
  axis: 0 | 1,
): number {
  if (padding === "same") return Math.ceil(size / stride);
  const pad = padding === "valid" || padding === undefined ? 0 : pairOf(padding)[axis];
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

function windowed(config: Config, input: Shape, kernelKey: string, channels?: number): Inferred {
  if (input.length !== 3) return bad(IMAGE, input);
  const [h, w, c] = input as [number, number, number];
  const k = pairOf(config[kernelKey]);
  const s = pairOf(config.strides);
  const oh = windowOut(h, k[0], s[0], config.padding, 0);
  const ow = windowOut(w, k[1], s[1], config.padding, 1);
  if (oh < 1 || ow < 1) {
    return bad(`a spatial size of at least ${k[0]}×${k[1]} after padding`, input);
  }
  return ok([oh, ow, channels ?? c]);
}

/** Infers the output shape of `op` with `config` on `input`. */
export function infer(op: Op, config: Config, input: Shape): Inferred {
  switch (op) {
    case "conv2d":
      return windowed(config, input, "kernelSize", Number(config.filters));
    case "maxPool2d":
    case "avgPool2d":
      return windowed(config, input, "poolSize");
    case "dense":
      return input.length === 1 ? ok([Number(config.units)]) : bad(FLAT, input);
    case "relu":
    case "dropout":
      return ok(input);
    case "batchNorm":
      return input.length === 1 || input.length === 3
        ? ok(input)
        : bad("an input [features] or [height, width, channels]", input);
    case "adaptiveAvgPool2d": {
      if (input.length !== 3) return bad(IMAGE, input);
      const [oh, ow] = pairOf(config.outputSize);
      return ok([oh, ow, input[2]!]);
    }
    case "globalAvgPool2d":
      return input.length === 3 ? ok([input[2]!]) : bad(IMAGE, input);
    case "flatten":
      return input.length >= 2
        ? ok([input.reduce((a, b) => a * b, 1)])
        : bad("an input with at least two axes, such as [height, width, channels]", input);
  }
}

/** Counts parameters (trainable tensors) and buffers (moving statistics) as torchvision does. */
export function count(op: Op, config: Config, input: Shape): Counts {
  const bias = config.useBias === false ? 0 : 1;
  switch (op) {
    case "conv2d": {
      const [kh, kw] = pairOf(config.kernelSize);
      const filters = Number(config.filters);
      return { params: kh * kw * (input[2] ?? 0) * filters + bias * filters, buffers: 0 };
    }
    case "dense": {
      const units = Number(config.units);
      return { params: (input[0] ?? 0) * units + bias * units, buffers: 0 };
    }
    case "batchNorm": {
      const c = input[input.length - 1] ?? 0;
      return { params: 2 * c, buffers: 2 * c };
    }
    default:
      return { params: 0, buffers: 0 };
  }
}

/** A short description of the layer for summaries, such as `conv2d 3×3/1 64`. */
export function describeLayer(op: Op, config: Config): string {
  switch (op) {
    case "conv2d": {
      const [kh, kw] = pairOf(config.kernelSize);
      const [sh, sw] = pairOf(config.strides);
      const stride = sh === sw ? `${sh}` : `${sh}×${sw}`;
      return `conv2d ${kh}×${kw}/${stride} → ${config.filters}`;
    }
    case "dense":
      return `dense → ${config.units}`;
    case "dropout":
      return `dropout ${config.rate}`;
    case "maxPool2d":
    case "avgPool2d": {
      const [kh, kw] = pairOf(config.poolSize);
      return `${op} ${kh}×${kw}`;
    }
    case "adaptiveAvgPool2d": {
      const [h, w] = pairOf(config.outputSize);
      return `adaptiveAvgPool2d → ${h}×${w}`;
    }
    default:
      return op;
  }
}

/** Every op the catalogue knows, for validating saved specs. */
export const OPS: readonly Op[] = Object.freeze([
  "conv2d",
  "dense",
  "relu",
  "dropout",
  "maxPool2d",
  "avgPool2d",
  "adaptiveAvgPool2d",
  "globalAvgPool2d",
  "flatten",
  "batchNorm",
]);
