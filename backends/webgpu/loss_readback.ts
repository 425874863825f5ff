import type * as tf from "@tensorflow/tfjs-core";
import { StepReadback } from "../../train/_readback.ts";

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
  // One readback for the training loop and this class: the per-step values come down together.
  readonly #steps: StepReadback;

  /** Reads every `every` steps (at least 1). */
  constructor(every: number) {
    this.#steps = new StepReadback(every);
    this.every = every;
  }

  /** Steps pushed since the last read. */
  get pending(): number {
    return this.#steps.pending;
  }

  /**
   * Takes ownership of one step's scalar loss. Every `every`-th push returns the mean of the
   * pending losses (a promise that resolves once the device has computed them); other pushes
   * return undefined and do not wait.
   */
  push(loss: tf.Tensor): Promise<number> | undefined {
    return this.#steps.push([loss]) ? this.flush() : undefined;
  }

  /** Reads the mean of the pending losses now (NaN when none) and releases them. */
  async flush(): Promise<number> {
    const losses = await this.#steps.flush();
    return losses.reduce((sum, [loss]) => sum + loss!, 0) / losses.length;
  }

  /** Releases the pending losses without reading them. */
  dispose(): void {
    this.#steps.dispose();
  }
}
