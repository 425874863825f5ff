/**
 * Keeps freed tensor memory in the process instead of returning it to the kernel. TensorFlow.js
 * allocates a fresh typed array for every kernel output; with glibc's defaults arrays of a few
 * megabytes are mapped and unmapped each time, and every first touch of a page faults (~0.4 ms
 * per MB here, a quarter of a VGG training step). Raising glibc's mmap and trim thresholds
 * makes those allocations reuse warm heap memory. Peak memory is unchanged; memory freed after
 * the peak is not handed back until the process ends.
 *
 * @module
 */

const M_TRIM_THRESHOLD = -1;
const M_TOP_PAD = -2;
const M_MMAP_THRESHOLD = -3;

let tuned: boolean | undefined;

/**
 * Sets glibc's malloc thresholds once per process (Linux with glibc only; `GRAFT_MALLOC=default`
 * leaves them alone). Returns whether they were set.
 *
 * @example
 * ```ts
 * tuneMalloc(); // true on Linux with glibc
 * ```
 */
export function tuneMalloc(): boolean {
  if (tuned !== undefined) return tuned;
  tuned = false;
  if (Deno.build.os !== "linux") return tuned;
  try {
    if (Deno.env.get("GRAFT_MALLOC") === "default") return tuned;
  } catch {
    // Without --allow-env the default applies.
  }
  try {
    const libc = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    });
    const m = libc.symbols.mallopt;
    // 32 MiB is glibc's largest mmap threshold on 64-bit; larger arrays stay mapped.
    tuned = m(M_MMAP_THRESHOLD, 32 * 2 ** 20) === 1 && m(M_TRIM_THRESHOLD, 2 ** 30) === 1 &&
      m(M_TOP_PAD, 64 * 2 ** 20) === 1;
  } catch {
    // musl or no FFI: keep the allocator's defaults.
  }
  return tuned;
}
