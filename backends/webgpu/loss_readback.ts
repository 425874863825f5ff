import * as tf from "@tensorflow/tfjs-core";

/**
 * Reads training losses back from the device every `every` steps instead of every step, so the
 * host never waits for the device in between. It keeps the scalar losses of the pending steps
 * on the device, then averages and downloads them together, asynchronously.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { LossReadback } from "@graft/graft/backends";
 * const losses = new LossReadback(2);
 * losses.push(tf.scalar(1)); // undefined: nothing read yet
 * const mean = await losses.push(tf.scalar(3)); // 2
 * console.log(mean);
 * ```
 */
export class LossReadback {
  /** Steps between two reads. */
  readonly every: number;
  #pending: tf.Tensor[] = [];

  /** Reads every `every` steps (at least 1). */
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

  /**
   * Takes ownership of one step's scalar loss. Every `every`-th push returns the mean of the
   * pending losses (a promise that resolves once the device has computed them); other pushes
   * return undefined and do not wait.
   */
  push(loss: tf.Tensor): Promise<number> | undefined {
    this.#pending.push(loss);
    return this.#pending.length >= this.every ? this.flush() : undefined;
  }

  /** Reads the mean of the pending losses now (NaN when none) and releases them. */
  async flush(): Promise<number> {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0) return NaN;
    const mean = tf.tidy(() => tf.mean(tf.stack(pending.map((t) => tf.reshape(t, [])))));
    tf.dispose(pending);
    try {
      return (await mean.data())[0]!;
    } finally {
      mean.dispose();
    }
  }

  /** Releases the pending losses without reading them. */
  dispose(): void {
    tf.dispose(this.#pending);
    this.#pending = [];
  }
}
