/**
 * A cache of oneDNN primitives by key for the native kernels.
 *
 * @module
 */

/**
 * Primitives by key, made on first use and kept; a key whose primitive cannot be made is
 * remembered as null so the caller falls back at once. Emptied (primitives freed) when full,
 * as a new batch size or shape adds entries.
 *
 * @example
 * ```ts ignore
 * const cache = new PrimitiveCache<BoundPrimitive>(64, (p) => context.release(p));
 * const p = cache.get("64,32,32,3", () => makePrimitive());
 * ```
 */
export class PrimitiveCache<E> {
  readonly #entries = new Map<string, E | null>();
  readonly #limit: number;
  readonly #release: (entry: E) => void;

  /**
   * @example
   * ```ts ignore
   * const cache = new PrimitiveCache<BoundPrimitive>(64, (p) => context.release(p));
   * ```
   */
  constructor(limit: number, release: (entry: E) => void) {
    this.#limit = limit;
    this.#release = release;
  }

  /** The entry for `key`, made by `make` the first time (null when it cannot be made). */
  get(key: string, make: () => E | null): E | null {
    let e = this.#entries.get(key);
    if (e === undefined) {
      if (this.#entries.size >= this.#limit) this.clear();
      try {
        e = make();
      } catch {
        e = null;
      }
      this.#entries.set(key, e);
    }
    return e;
  }

  /** The entry for `key` if it was made, without making it. */
  peek(key: string): E | null | undefined {
    return this.#entries.get(key);
  }

  /** Every entry made so far, by key. */
  entries(): IterableIterator<[string, E | null]> {
    return this.#entries.entries();
  }

  /** Frees every entry. */
  clear(): void {
    for (const e of this.#entries.values()) if (e) this.#release(e);
    this.#entries.clear();
  }
}
