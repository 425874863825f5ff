// Output geometry of a sliding window (convolutions and pooling), channels last.
import type { Shape } from "../shape.ts";
import { bad, IMAGE, type Inferred, ok } from "./_def.ts";

/** Padding as a config stores it. */
export type StoredPadding = "same" | "valid" | readonly [number, number];

/** Output size of one spatial axis. */
function windowOut(
  size: number,
  kernel: number,
  stride: number,
  padding: StoredPadding,
  axis: 0 | 1,
): number {
  if (padding === "same") return Math.ceil(size / stride);
  const pad = padding === "valid" ? 0 : padding[axis];
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** The output of a window of `kernel` over an image input, with `channels` out (default: in). */
export function windowed(
  input: Shape,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  padding: StoredPadding,
  channels?: number,
): Inferred {
  if (input.length !== 3) return bad(IMAGE, input);
  const [h, w, c] = input as [number, number, number];
  const oh = windowOut(h, kernel[0], strides[0], padding, 0);
  const ow = windowOut(w, kernel[1], strides[1], padding, 1);
  if (oh < 1 || ow < 1) {
    return bad(`a spatial size of at least ${kernel[0]}×${kernel[1]} after padding`, input);
  }
  return ok([oh, ow, channels ?? c]);
}

/** `3×3/1` or `3×3/2×1`: a window and its stride for summaries. */
export function windowText(
  kernel: readonly [number, number],
  strides: readonly [number, number],
): string {
  const [sh, sw] = strides;
  return `${kernel[0]}×${kernel[1]}/${sh === sw ? `${sh}` : `${sh}×${sw}`}`;
}
