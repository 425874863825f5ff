// Layout conversions between PyTorch and Graft (TensorFlow.js, channels last).

/** OIHW `[out, in, kh, kw]` conv weights to HWIO `[kh, kw, in, out]`. */
export function oihwToHwio(data: Float32Array, shape: readonly number[]): Float32Array {
  const [o, i, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x]!;
        }
      }
    }
  }
  return out;
}

/** `[rows, cols]` to `[cols, rows]`. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  }
  return out;
}

/**
 * A PyTorch dense weight `[out, C*H*W]` whose input was flattened channels-first, as a Graft
 * kernel `[H*W*C, out]` for a channels-last flatten.
 */
export function torchDenseAfterFlatten(
  data: Float32Array,
  out: number,
  [h, w, c]: readonly [number, number, number],
): Float32Array {
  const inputs = h * w * c;
  const result = new Float32Array(data.length);
  for (let o = 0; o < out; o++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = o * inputs + (ch * h + y) * w + x;
          const dst = ((y * w + x) * c + ch) * out + o;
          result[dst] = data[src]!;
        }
      }
    }
  }
  return result;
}
