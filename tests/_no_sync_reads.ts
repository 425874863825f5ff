/**
 * Makes every synchronous read from the device throw while `fn` runs: the current backend's
 * `readSync` and the tensor methods built on it (`dataSync`, `arraySync`, `bufferSync`), as on
 * a backend that can only read asynchronously (WebGPU under Deno, which has no 2D canvas).
 */
import * as tf from "@tensorflow/tfjs-core";

export async function withoutSyncReads<T>(fn: () => Promise<T>): Promise<T> {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const names = ["dataSync", "arraySync", "bufferSync"];
  const saved = {
    readSync: backend.readSync,
    ...Object.fromEntries(names.map((n) => [n, proto[n]])),
  };
  const refuse = (name: string) => () => {
    throw new Error(`Synchronous read from the device: ${name}`);
  };
  backend.readSync = refuse("readSync");
  for (const n of names) proto[n] = refuse(n);
  try {
    return await fn();
  } finally {
    backend.readSync = saved.readSync;
    for (const n of names) proto[n] = saved[n as keyof typeof saved];
  }
}
