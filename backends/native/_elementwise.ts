/**
 * Element-wise float32 kernels as tight loops: binary ops over equal shapes, a scalar, or a
 * trailing-axes broadcast (bias adds), plus the unary steps a ReLU gradient needs.
 *
 * @module
 */

/** The binary operations with native fast paths. */
export type BinaryOp = "add" | "sub" | "mul" | "div";

/**
 * `a op b` where `b` repeats every `b.length` elements of `a` (`b.length` divides `a.length`;
 * a scalar is the case `b.length === 1`). With `swap`, computes `b op a` instead.
 *
 * @example
 * ```ts
 * binaryRepeat("add", new Float32Array([1, 2, 3, 4]), new Float32Array([10, 20]), false);
 * // [11, 22, 13, 24]
 * ```
 */
export function binaryRepeat(
  op: BinaryOp,
  a: Float32Array,
  b: Float32Array,
  swap: boolean,
): Float32Array {
  const n = a.length, m = b.length;
  const out = new Float32Array(n);
  // One loop per case, no branch inside.
  if (m === 1) {
    const s = b[0]!;
    if (op === "add") { for (let i = 0; i < n; i++) out[i] = a[i]! + s; }
    else if (op === "mul") { for (let i = 0; i < n; i++) out[i] = a[i]! * s; }
    else if (op === "div") {
      if (swap) { for (let i = 0; i < n; i++) out[i] = s / a[i]!; }
      else for (let i = 0; i < n; i++) out[i] = a[i]! / s;
    } else if (swap) { for (let i = 0; i < n; i++) out[i] = s - a[i]!; }
    else for (let i = 0; i < n; i++) out[i] = a[i]! - s;
    return out;
  }
  // `b` repeats every m elements of `a` (once when m === n).
  for (let base = 0; base < n; base += m) {
    if (op === "add") { for (let j = 0; j < m; j++) out[base + j] = a[base + j]! + b[j]!; }
    else if (op === "mul") { for (let j = 0; j < m; j++) out[base + j] = a[base + j]! * b[j]!; }
    else if (op === "div") {
      if (swap) { for (let j = 0; j < m; j++) out[base + j] = b[j]! / a[base + j]!; }
      else for (let j = 0; j < m; j++) out[base + j] = a[base + j]! / b[j]!;
    } else if (swap) { for (let j = 0; j < m; j++) out[base + j] = b[j]! - a[base + j]!; }
    else for (let j = 0; j < m; j++) out[base + j] = a[base + j]! - b[j]!;
  }
  return out;
}

/**
 * How `b` broadcasts against `a` for {@linkcode binaryRepeat}: true when the broadcast result
 * has `a`'s size and `b` (leading 1s dropped) matches `a`'s trailing axes.
 *
 * @example
 * ```ts
 * repeatsOver([64, 10], [10]); // true
 * repeatsOver([64, 10], [64, 1]); // false
 * ```
 */
export function repeatsOver(aShape: readonly number[], bShape: readonly number[]): boolean {
  let k = 0;
  while (k < bShape.length && bShape[k] === 1) k++;
  const tail = bShape.slice(k);
  if (tail.length > aShape.length) return false;
  const offset = aShape.length - tail.length;
  return tail.every((d, i) => d === aShape[offset + i]) && bShape.length <= aShape.length;
}

/**
 * `floor(x)` element by element (dropout's keep mask).
 *
 * @example
 * ```ts
 * floor(new Float32Array([1.5, -0.5, 2])); // [1, -1, 2]
 * ```
 */
export function floor(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.floor(x[i]!);
  return out;
}

/**
 * TensorFlow.js's `step`: 1 where x > 0, `alpha` elsewhere, NaN kept.
 *
 * @example
 * ```ts
 * step(new Float32Array([-1, 0, 2]), 0); // [0, 0, 1]
 * ```
 */
export function step(x: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v > 0 ? 1 : v !== v ? v : alpha;
  }
  return out;
}

/**
 * ReLU: `max(0, x)`, NaN kept. Branch-free on the float bits (a branch per element mispredicts
 * on activations, which are half negative).
 *
 * @example
 * ```ts
 * relu(new Float32Array([-1, 2, NaN])); // [0, 2, NaN]
 * ```
 */
export function relu(x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  const xi = new Int32Array(x.buffer, x.byteOffset, x.length);
  const yi = new Int32Array(y.buffer);
  for (let i = 0; i < xi.length; i++) {
    const v = xi[i]!;
    // Keep the bits when the sign is clear or the value is a NaN; zero them otherwise.
    yi[i] = v & (~(v >> 31) | ((0x7f800000 - (v & 0x7fffffff)) >> 31));
  }
  return y;
}

/**
 * The ReLU gradient in one pass: `dy` where `x > 0`, 0 elsewhere, as PyTorch's
 * `threshold_backward` (TensorFlow.js's `dy * step(x)` takes two passes and gives NaN where `dy`
 * is infinite at x <= 0). A NaN in `x` passes `dy` or 0 by its sign bit.
 *
 * @example
 * ```ts
 * reluGrad(new Float32Array([-1, 2, 0]), new Float32Array([5, 6, 7])); // [0, 6, 0]
 * ```
 */
export function reluGrad(x: Float32Array, dy: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  const xi = new Int32Array(x.buffer, x.byteOffset, x.length);
  const di = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const oi = new Int32Array(out.buffer);
  for (let i = 0; i < xi.length; i++) {
    const v = xi[i]!;
    // All ones when the sign is clear and the value is not zero, else all zeros.
    oi[i] = di[i]! & (((0 - v) & ~v) >> 31);
  }
  return out;
}

/**
 * `y = x * a + b` per channel, `x` viewed as `[rows, a.length]`: batch normalisation with fixed
 * statistics once they are folded into a scale and a shift.
 *
 * @example
 * ```ts
 * const x = new Float32Array([1, 2, 3, 4]);
 * channelAffine(x, new Float32Array([2, 3]), new Float32Array([1, 0])); // [3, 6, 7, 12]
 * ```
 */
export function channelAffine(x: Float32Array, a: Float32Array, b: Float32Array): Float32Array {
  const c = a.length;
  const y = new Float32Array(x.length);
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) y[base + j] = x[base + j]! * a[j]! + b[j]!;
  }
  return y;
}
