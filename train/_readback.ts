// Per-step scalars (loss, hits) stay on the device and are read back together every few steps,
// asynchronously: the host never waits for the device between two reads, and a backend that can
// only read asynchronously (WebGPU under Deno) works. Each step's values are kept apart, so the
// first non-finite loss is still found at its own step.
import * as tf from "@tensorflow/tfjs-core";

export class StepReadback {
  /** Steps between two reads. */
  readonly every: number;
  #pending: tf.Tensor[][] = [];

  constructor(every: number) {
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(
        `Invalid readback interval: expected an integer >= 1, received ${every}`,
      );
    }
    this.every = every;
  }

  /** Steps pushed since the last read. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Takes ownership of one step's scalars; true when a read is due. */
  push(values: readonly tf.Tensor[]): boolean {
    this.#pending.push([...values]);
    return this.#pending.length >= this.every;
  }

  /** Reads every pending step's values in one download and releases them. */
  async flush(): Promise<Float32Array[]> {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0) return [];
    const width = pending[0]!.length;
    const all = tf.tidy(() =>
      tf.stack(pending.flat().map((t) => tf.cast(tf.reshape(t, []), "float32")))
    );
    tf.dispose(pending.flat());
    try {
      const flat = await all.data<"float32">();
      return pending.map((_, i) => flat.slice(i * width, (i + 1) * width));
    } finally {
      all.dispose();
    }
  }

  /** Releases the pending values without reading them. */
  dispose(): void {
    tf.dispose(this.#pending.flat());
    this.#pending = [];
  }
}
