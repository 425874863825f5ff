/**
 * Training-mode batch normalisation over the last axis in tight loops: batch statistics,
 * normalised output, and the full gradient (through the batch mean and variance), with float64
 * accumulators. One pass for the statistics, one for the output; two for the gradient.
 *
 * @module
 */

/** Output and biased batch statistics of {@linkcode batchNormForward}. */
export interface BatchNormForward {
  /** The normalised, scaled and shifted input. */
  readonly y: Float32Array;
  /** The batch mean per channel. */
  readonly mean: Float32Array;
  /** The batch's biased variance per channel. */
  readonly variance: Float32Array;
}

/** Gradients of {@linkcode batchNormBackward}. */
export interface BatchNormBackward {
  /** Gradient with respect to the input. */
  readonly dx: Float32Array;
  /** Gradient with respect to the scale. */
  readonly dgamma: Float32Array;
  /** Gradient with respect to the shift. */
  readonly dbeta: Float32Array;
}

function statistics(x: Float32Array, c: number): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / c;
  const sum = new Float64Array(c), sq = new Float64Array(c);
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) {
      const v = x[base + j]!;
      sum[j] = sum[j]! + v;
      sq[j] = sq[j]! + v * v;
    }
  }
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const m = sum[j]! / rows;
    mean[j] = m;
    variance[j] = Math.max(0, sq[j]! / rows - m * m);
  }
  return { mean, variance };
}

/**
 * `y = gamma * (x - mean) / sqrt(variance + epsilon) + beta` with the batch's own mean and
 * biased variance per channel (`x` viewed as `[rows, channels]`).
 *
 * @example
 * ```ts ignore
 * const { y, mean, variance } = batchNormForward(x, gamma, beta, 0.001);
 * ```
 */
export function batchNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
): BatchNormForward {
  const c = gamma.length;
  const { mean, variance } = statistics(x, c);
  const scale = new Float32Array(c), shift = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const s = gamma[j]! / Math.sqrt(variance[j]! + epsilon);
    scale[j] = s;
    shift[j] = beta[j]! - mean[j]! * s;
  }
  const y = new Float32Array(x.length);
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) y[base + j] = x[base + j]! * scale[j]! + shift[j]!;
  }
  return { y, mean: Float32Array.from(mean), variance: Float32Array.from(variance) };
}

/**
 * The gradient of {@linkcode batchNormForward} with respect to `x`, `gamma` and `beta`, the
 * batch statistics included: with `xhat = (x - mean) * invStd` over `n` rows,
 * `dbeta = sum(dy)`, `dgamma = sum(dy * xhat)`,
 * `dx = gamma * invStd * (dy - dbeta / n - xhat * dgamma / n)`.
 *
 * @example
 * ```ts ignore
 * const { dx, dgamma, dbeta } = batchNormBackward(dy, x, gamma, mean, variance, 0.001);
 * ```
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
): BatchNormBackward {
  const c = gamma.length;
  const rows = x.length / c;
  const invStd = new Float64Array(c);
  for (let j = 0; j < c; j++) invStd[j] = 1 / Math.sqrt(variance[j]! + epsilon);
  const sumDy = new Float64Array(c), sumDyX = new Float64Array(c);
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) {
      const g = dy[base + j]!;
      sumDy[j] = sumDy[j]! + g;
      sumDyX[j] = sumDyX[j]! + g * (x[base + j]! - mean[j]!);
    }
  }
  const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
  // dx = a * dy + b * x + k per channel.
  const a = new Float32Array(c), b = new Float32Array(c), k = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const inv = invStd[j]!;
    const dg = sumDyX[j]! * inv;
    dgamma[j] = dg;
    dbeta[j] = sumDy[j]!;
    const s = gamma[j]! * inv;
    a[j] = s;
    b[j] = -s * inv * dg / rows;
    k[j] = -s * sumDy[j]! / rows - b[j]! * mean[j]!;
  }
  const dx = new Float32Array(x.length);
  for (let base = 0; base < x.length; base += c) {
    for (let j = 0; j < c; j++) {
      dx[base + j] = a[j]! * dy[base + j]! + b[j]! * x[base + j]! + k[j]!;
    }
  }
  return { dx, dgamma, dbeta };
}
