import * as tf from "@tensorflow/tfjs-core";

type Uploadable = { uploadToGPU?: (dataId: object) => void };

/** Tensors as a training batch holds them: one tensor, or arrays and records of them. */
export type TensorTree = tf.Tensor | TensorTree[] | { [key: string]: TensorTree };

/**
 * Starts copying a tensor's data to the device now instead of at its first use. On WebGPU the
 * copy is queued behind the work already submitted, so it overlaps the running step; on other
 * backends this does nothing.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { uploadNow } from "@graft/graft/backends";
 * const x = tf.zeros([2, 2]);
 * uploadNow(x);
 * ```
 */
export function uploadNow(container: TensorTree): void {
  const backend = tf.backend() as unknown as Uploadable;
  if (typeof backend.uploadToGPU !== "function") return;
  const seen = new Set<tf.Tensor>();
  const visit = (c: TensorTree): void => {
    if (c instanceof tf.Tensor) {
      if (!seen.has(c) && !c.isDisposed) {
        seen.add(c);
        backend.uploadToGPU!(c.dataId);
      }
    } else if (Array.isArray(c)) c.forEach(visit);
    else if (c !== null && typeof c === "object") Object.values(c).forEach(visit);
  };
  visit(container);
}

/**
 * Turns host batches into device tensors one step ahead: while the caller computes on batch
 * `i`, batch `i + 1` has already been made a tensor and queued for upload. The caller owns
 * every yielded batch and disposes it after its step (e.g. `tf.dispose(batch)`); a batch made
 * ahead and not yet handed out is disposed when the loop ends early.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { prefetchToDevice } from "@graft/graft/backends";
 * const host = [new Float32Array(4), new Float32Array(4)];
 * for await (const x of prefetchToDevice(host, (a) => tf.tensor2d(a, [2, 2]))) {
 *   tf.dispose(x);
 * }
 * ```
 */
export async function* prefetchToDevice<B, T extends TensorTree>(
  batches: Iterable<B> | AsyncIterable<B>,
  upload: (batch: B) => T,
): AsyncGenerator<T, void, undefined> {
  const make = (b: B): T => {
    const t = upload(b);
    uploadNow(t);
    return t;
  };
  const it = Symbol.asyncIterator in batches
    ? (batches as AsyncIterable<B>)[Symbol.asyncIterator]()
    : (batches as Iterable<B>)[Symbol.iterator]();
  let ahead: { batch: T } | undefined;
  try {
    let r = await it.next();
    if (r.done) return;
    ahead = { batch: make(r.value) };
    while (ahead !== undefined) {
      const current: T = ahead.batch;
      ahead = undefined;
      r = await it.next();
      if (!r.done) ahead = { batch: make(r.value) };
      yield current;
    }
  } finally {
    if (ahead !== undefined) tf.dispose(ahead.batch);
    await it.return?.();
  }
}
