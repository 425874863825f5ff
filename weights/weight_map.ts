/**
 * Graft's neutral form of a set of weights: float32 tensors in Graft's layout (HWIO conv kernels,
 * `[in, out]` dense kernels, channels-last flatten order) keyed by `<path>/<name>`, such as
 * `features.0/kernel` or `features.1/moving_variance`.
 *
 * @module
 */

/** One weight tensor in Graft's layout. */
export interface WeightTensor {
  /** Dimensions, row-major. */
  readonly shape: readonly number[];
  /** Values, row-major. */
  readonly data: Float32Array;
}

/**
 * Weights keyed by `<path>/<name>` (`features.0/kernel`, `classifier.6/bias`,
 * `features.1/gamma`, `features.1/beta`, `features.1/moving_mean`, `features.1/moving_variance`).
 *
 * @example
 * ```ts
 * import type { WeightMap } from "@graft/graft/weights";
 * const w: WeightMap = new Map([["fc/bias", { shape: [2], data: new Float32Array(2) }]]);
 * ```
 */
export type WeightMap = ReadonlyMap<string, WeightTensor>;

/**
 * Splits a weight key into its layer path and weight name.
 *
 * @example
 * ```ts
 * import { splitWeightKey } from "@graft/graft/weights";
 * console.log(splitWeightKey("features.0/kernel")); // ["features.0", "kernel"]
 * ```
 */
export function splitWeightKey(key: string): [path: string, name: string] {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? [key, ""] : [key.slice(0, slash), key.slice(slash + 1)];
}

/**
 * Formats a shape as `[a, b, c]` for messages.
 *
 * @example
 * ```ts
 * import { formatShape } from "@graft/graft/weights";
 * console.log(formatShape([3, 3, 64])); // "[3, 3, 64]"
 * ```
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
