/**
 * Reuse of large output buffers. A typed array above glibc's largest mmap threshold (32 MiB) is
 * mapped fresh on every allocation and every page faults on first touch: for the seed recipe's
 * 411 MB classifier gradient that is seconds per step on a virtual machine, for memory the GEMM
 * then overwrites anyway. Native kernels take such outputs from this pool; the backend hands a
 * buffer back when the last tensor using it is disposed, unless its values were ever read out
 * (`dataSync`, `data`): a caller may still hold those, and they must never change under it.
 *
 * @module
 */

/** Floats from which outputs come from the pool: 32 MiB, glibc's largest mmap threshold. */
export const POOL_MIN_FLOATS: number = 8 * 2 ** 20;

/** Buffers kept per length, and bytes kept in all, before freed ones go to the collector. */
const KEEP_PER_LENGTH = 2;
const KEEP_BYTES = 2 * 2 ** 30;

interface Owned {
  /** Tensor data entries whose values view this buffer. */
  refs: number;
  /** Read out by a caller: never reused. */
  escaped: boolean;
}

/** Large buffers taken from / returned to the pool since the process started. */
export interface BufferStats {
  readonly reused: number;
  readonly fresh: number;
}

/**
 * A pool of large float32 buffers, keyed by length.
 *
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const out = pool.take(16 * 2 ** 20); // fresh the first time
 * ```
 */
export class BufferPool {
  readonly #free = new Map<number, Float32Array<ArrayBuffer>[]>();
  readonly #owned = new WeakMap<ArrayBufferLike, Owned>();
  #keptBytes = 0;
  #reused = 0;
  #fresh = 0;

  /** Counts of buffers reused and allocated fresh. */
  get stats(): BufferStats {
    return { reused: this.#reused, fresh: this.#fresh };
  }

  /**
   * An array of `n` floats with unspecified contents (the caller overwrites all of it). Below
   * {@linkcode POOL_MIN_FLOATS} a plain new array.
   */
  take(n: number): Float32Array<ArrayBuffer> {
    if (n < POOL_MIN_FLOATS) return new Float32Array(n);
    const list = this.#free.get(n);
    const kept = list?.pop();
    if (kept) {
      this.#keptBytes -= kept.byteLength;
      this.#reused++;
      this.#owned.set(kept.buffer, { refs: 0, escaped: false });
      return kept;
    }
    this.#fresh++;
    const out = new Float32Array(n);
    this.#owned.set(out.buffer, { refs: 0, escaped: false });
    return out;
  }

  /** A tensor data entry now holds `values`. */
  attach(values: unknown): void {
    const o = ArrayBuffer.isView(values) ? this.#owned.get(values.buffer) : undefined;
    if (o) o.refs++;
  }

  /** `values` were handed to a caller: their buffer is never reused. */
  escape(values: unknown): void {
    const o = ArrayBuffer.isView(values) ? this.#owned.get(values.buffer) : undefined;
    if (o) o.escaped = true;
  }

  /** A tensor data entry holding `values` was deleted; the buffer returns when none is left. */
  detach(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const buffer = values.buffer;
    const o = this.#owned.get(buffer);
    if (!o || --o.refs > 0) return;
    this.#owned.delete(buffer);
    if (o.escaped || !(buffer instanceof ArrayBuffer)) return;
    const whole = new Float32Array(buffer);
    const list = this.#free.get(whole.length) ?? [];
    if (list.length >= KEEP_PER_LENGTH || this.#keptBytes + buffer.byteLength > KEEP_BYTES) return;
    list.push(whole);
    this.#free.set(whole.length, list);
    this.#keptBytes += buffer.byteLength;
  }

  /** Drops every kept buffer. */
  clear(): void {
    this.#free.clear();
    this.#keptBytes = 0;
  }
}

/** The pool of the native backend (one per process, like the backend). */
export const nativeBuffers: BufferPool = new BufferPool();
