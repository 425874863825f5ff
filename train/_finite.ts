// Finds weights holding NaN or infinite values with one asynchronous read: on the CPU backends
// by scanning the values in place, elsewhere by reducing each weight on the device to one flag.
import * as tf from "@tensorflow/tfjs-core";
import type { ModelWeight } from "./params.ts";
import { cpuBackend } from "./_in_place.ts";

/** Keys of the weights with a NaN or infinite value, in order. */
export async function nonFinite(weights: readonly ModelWeight[]): Promise<string[]> {
  if (weights.length === 0) return [];
  if (cpuBackend()) {
    const values = await Promise.all(weights.map((w) => w.variable.data<"float32">()));
    return weights.filter((_, i) => !values[i]!.every(Number.isFinite)).map((w) => w.key);
  }
  const flags = tf.tidy(() =>
    tf.stack(weights.map((w) => tf.min(tf.cast(tf.isFinite(w.variable), "float32"))))
  );
  try {
    const ok = await flags.data<"float32">();
    return weights.filter((_, i) => ok[i] !== 1).map((w) => w.key);
  } finally {
    flags.dispose();
  }
}
