// Bilinear resizing as torchvision's Resize does it (PIL's bilinear filter, and PyTorch's
// interpolate(mode="bilinear", antialias=True)): a triangle filter over half-pixel centres,
// widened by the scale when shrinking, its weights normalised over the taps inside the image.

/** Per output coordinate of one axis: the first source index, the tap count and the weights. */
export interface Axis {
  readonly size: number;
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** `taps` weights per output coordinate. */
  readonly weights: Float32Array;
  readonly taps: number;
}

/** The sampling table of one axis from `from` to `to` samples. */
export function axis(from: number, to: number): Axis {
  const scale = from / to;
  const support = Math.max(scale, 1);
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(to), count = new Int32Array(to);
  const weights = new Float32Array(to * taps);
  for (let o = 0; o < to; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support + 0.5), 0);
    const hi = Math.min(Math.floor(center + support + 0.5), from);
    let sum = 0;
    const w: number[] = [];
    for (let j = lo; j < hi; j++) {
      const v = Math.max(0, 1 - Math.abs((j - center + 0.5) / support));
      w.push(v);
      sum += v;
    }
    start[o] = lo;
    count[o] = w.length;
    w.forEach((v, k) => weights[o * taps + k] = sum > 0 ? v / sum : 0);
  }
  return { size: to, start, count, weights, taps };
}

/**
 * Resizes one channels-last image `src` of `h × w × c` values into `dst` at `offset`, given the
 * row and column tables (`ys` from `h`, `xs` from `w`); `tmp` holds `h × xs.size × c` values.
 */
export function resizeInto(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  ys: Axis,
  xs: Axis,
  tmp: Float32Array,
  dst: Float32Array,
  offset: number,
): void {
  const ow = xs.size;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const s = xs.start[x]!, n = xs.count[x]!, wo = x * xs.taps;
      for (let k = 0; k < c; k++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += src[(y * w + s + j) * c + k]! * xs.weights[wo + j]!;
        tmp[(y * ow + x) * c + k] = v;
      }
    }
  }
  for (let y = 0; y < ys.size; y++) {
    const s = ys.start[y]!, n = ys.count[y]!, wo = y * ys.taps;
    for (let x = 0; x < ow; x++) {
      for (let k = 0; k < c; k++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += tmp[((s + j) * ow + x) * c + k]! * ys.weights[wo + j]!;
        dst[offset + (y * ow + x) * c + k] = v;
      }
    }
  }
}
