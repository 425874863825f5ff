/**
 * Finds and opens the native libraries behind the `native` backend: oneDNN (`libdnnl.so.2`) and
 * OpenBLAS (`libopenblas.so.0`) or Apple's Accelerate, through Deno FFI. Either one gives a
 * row-major single-precision GEMM; oneDNN also gives its convolution, pooling, ReLU-gradient and
 * batch-norm primitives. Nothing of our own is compiled.
 *
 * @module
 */
import { DNNL_PRIMITIVE_SYMBOLS, DnnlContext } from "./_dnnl.ts";
import type { Gemm } from "./_types.ts";

export type { Gemm } from "./_types.ts";

/** An opened native library set: the GEMM to use and a one-line description. */
export interface NativeLibrary {
  /** The GEMM all kernels use. */
  readonly gemm: Gemm;
  /**
   * oneDNN's engine and stream, from which the kernels build its primitives; present when
   * oneDNN is loaded and `GRAFT_PRIMITIVES` is not `gemm`.
   */
  readonly dnnl?: DnnlContext | undefined;
  /** What was loaded, for the user (`oneDNN 2.6.3 primitives and sgemm (libdnnl.so.2)`). */
  readonly detail: string;
}

/** Where to look for the libraries; an explicit path is the only one tried for that library. */
export interface LibraryPaths {
  /** Path to an OpenBLAS or Accelerate library exposing `cblas_sgemm` (env `GRAFT_BLAS`). */
  readonly blas?: string | undefined;
  /** Path to oneDNN 2.x `libdnnl` (env `GRAFT_DNNL`). */
  readonly dnnl?: string | undefined;
  /** Which GEMM to prefer when both load: `dnnl` (default) or `blas` (env `GRAFT_GEMM`). */
  readonly prefer?: string | undefined;
  /**
   * How the heavy kernels run with oneDNN loaded: `dnnl` (its convolution, max-pooling,
   * ReLU-gradient and batch-normalisation primitives; the default) or `gemm` (Graft's GEMM
   * lowerings and loops; env `GRAFT_PRIMITIVES`).
   */
  readonly primitives?: string | undefined;
}

/** The outcome of {@linkcode openNativeLibrary}. */
export type OpenResult =
  | { readonly ok: true; readonly lib: NativeLibrary }
  | { readonly ok: false; readonly reason: string };

/** The one-line hint shown when no native library is found. */
export const INSTALL_HINT: string =
  "apt-get install libopenblas0-pthread (or libdnnl2; on macOS Accelerate is built in)";

const BLAS_CANDIDATES: readonly string[] = [
  "libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/usr/local/lib/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
];

const DNNL_CANDIDATES: readonly string[] = [
  "libdnnl.so.2",
  "/usr/lib/x86_64-linux-gnu/libdnnl.so.2",
  "/usr/lib/aarch64-linux-gnu/libdnnl.so.2",
  "/usr/local/lib/libdnnl.so.2",
  "/opt/homebrew/lib/libdnnl.2.dylib",
];

const BLAS_SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
} as const;

const BLAS_OPTIONAL = {
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
} as const;

const DNNL_SYMBOLS = {
  dnnl_sgemm: {
    parameters: [
      "u8",
      "u8",
      "i64",
      "i64",
      "i64",
      "f32",
      "buffer",
      "i64",
      "buffer",
      "i64",
      "f32",
      "buffer",
      "i64",
    ],
    result: "i32",
  },
  dnnl_version: { parameters: [], result: "pointer" },
} as const;

function envGet(name: string): string | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * OpenBLAS's run-time CPU detection falls back to its slowest (`Prescott`) kernels on CPUs it
 * does not recognise, as under some hypervisors; that costs 3-4x. When the user has not chosen
 * a core type, pick one from the CPU flags before the library loads.
 */
function chooseOpenBlasCore(): void {
  // Deno reads /proc only with --allow-all; without it OpenBLAS keeps its own choice and the
  // backend's detail line says so when that choice is the generic one.
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") return;
  if (envGet("OPENBLAS_CORETYPE") !== undefined) return;
  let flags: Set<string>;
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    const line = info.split("\n").find((l) => l.startsWith("flags")) ?? "";
    flags = new Set(line.split(":")[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return;
  }
  const has = (...names: string[]) => names.every((n) => flags.has(n));
  const core = has("avx512f", "avx512bw", "avx512vl", "avx512dq")
    ? "SKYLAKEX"
    : has("avx2", "fma")
    ? "HASWELL"
    : undefined;
  if (core === undefined) return;
  try {
    Deno.env.set("OPENBLAS_CORETYPE", core);
  } catch {
    // Without --allow-env OpenBLAS keeps its own choice.
  }
}

function tryOpen<S extends Deno.ForeignLibraryInterface>(
  candidates: readonly string[],
  symbols: S,
  failures: string[],
): { path: string; lib: Deno.DynamicLibrary<S> } | undefined {
  for (const path of candidates) {
    try {
      return { path, lib: Deno.dlopen(path, symbols) };
    } catch (e) {
      failures.push(`${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
  }
  return undefined;
}

function openBlas(path: string | undefined, failures: string[]) {
  if (path === undefined) chooseOpenBlasCore();
  const opened = tryOpen(path ? [path] : BLAS_CANDIDATES, BLAS_SYMBOLS, failures);
  if (!opened) return undefined;
  let core = "";
  try {
    const extra = Deno.dlopen(opened.path, BLAS_OPTIONAL);
    const p = extra.symbols.openblas_get_corename?.();
    const name = p ? Deno.UnsafePointerView.getCString(p) : "";
    if (name) core = ` core ${name}`;
    if (name.toLowerCase() === "prescott" && Deno.build.arch === "x86_64") {
      core += " (generic kernels, 3-4x slower: set OPENBLAS_CORETYPE=HASWELL or SKYLAKEX)";
    }
    const threads = extra.symbols.openblas_get_num_threads?.();
    if (threads) core += `, ${threads} threads`;
  } catch {
    // Accelerate and other BLAS libraries have no OpenBLAS extras.
  }
  const f = opened.lib.symbols.cblas_sgemm;
  const gemm: Gemm = (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (beta === 0) c.fill(0, 0, (m - 1) * ldc + n);
      return;
    }
    f(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  };
  return { gemm, detail: `BLAS sgemm${core} (${opened.path})` };
}

/** oneDNN's engine and stream from the same library, or undefined when a symbol is missing. */
function openContext(path: string): DnnlContext | undefined {
  try {
    return new DnnlContext(Deno.dlopen(path, DNNL_PRIMITIVE_SYMBOLS).symbols);
  } catch {
    return undefined;
  }
}

function openDnnl(path: string | undefined, failures: string[], mode: string | undefined) {
  const opened = tryOpen(path ? [path] : DNNL_CANDIDATES, DNNL_SYMBOLS, failures);
  if (!opened) return undefined;
  let version = "oneDNN";
  const vp = opened.lib.symbols.dnnl_version();
  if (vp) {
    const view = new Deno.UnsafePointerView(vp);
    version = `oneDNN ${view.getInt32(0)}.${view.getInt32(4)}.${view.getInt32(8)}`;
  }
  // Deno accepts plain numbers for i64 parameters; the declared type asks for bigint.
  const f = opened.lib.symbols.dnnl_sgemm as unknown as (
    ta: number,
    tb: number,
    ...rest: (number | Float32Array)[]
  ) => number;
  const N = 78, T = 84;
  const gemm: Gemm = (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) => {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (beta === 0) c.fill(0, 0, (m - 1) * ldc + n);
      return;
    }
    const status = f(ta ? T : N, tb ? T : N, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (status !== 0) {
      throw new Error(
        `Native GEMM failed: dnnl_sgemm returned status ${status} for ${m}x${n}x${k}`,
      );
    }
  };
  const dnnl = mode === "gemm" ? undefined : openContext(opened.path);
  const what = dnnl ? "primitives and sgemm" : "sgemm";
  return { gemm, dnnl, detail: `${version} ${what} (${opened.path})` };
}

/**
 * Opens oneDNN and/or a CBLAS library. An explicit path that cannot be opened is an error; with
 * no explicit paths the usual locations are tried and at least one library must load.
 *
 * @example
 * ```ts
 * import { openNativeLibrary } from "./_library.ts";
 * const r = openNativeLibrary({ blas: "/nowhere/libopenblas.so.0" });
 * console.log(r.ok ? r.lib.detail : r.reason);
 * ```
 */
export function openNativeLibrary(paths: LibraryPaths): OpenResult {
  if (typeof Deno.dlopen !== "function") {
    return { ok: false, reason: "Deno FFI is not available in this runtime" };
  }
  const failures: string[] = [];
  let dnnl: ReturnType<typeof openDnnl>;
  let blas: ReturnType<typeof openBlas>;
  try {
    const preferBlas = paths.prefer === "blas" || paths.prefer === "openblas";
    if (paths.dnnl !== undefined || !preferBlas) {
      dnnl = openDnnl(paths.dnnl, failures, paths.primitives);
      if (paths.dnnl !== undefined && !dnnl) {
        return {
          ok: false,
          reason: `Cannot open oneDNN at GRAFT_DNNL=${paths.dnnl}: ${INSTALL_HINT}`,
        };
      }
    }
    if (paths.blas !== undefined || preferBlas || !dnnl) {
      blas = openBlas(paths.blas, failures);
      if (paths.blas !== undefined && !blas) {
        return {
          ok: false,
          reason: `Cannot open BLAS at GRAFT_BLAS=${paths.blas}: ${INSTALL_HINT}`,
        };
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return { ok: false, reason: "Native libraries need FFI permission: run with --allow-ffi" };
    }
    throw e;
  }
  const chosen = (paths.prefer === "blas" || paths.prefer === "openblas") && blas
    ? blas
    : dnnl ?? blas;
  if (!chosen && failures.some((f) => /Requires ffi access/.test(f))) {
    return {
      ok: false,
      reason: "Native libraries need FFI permission: run with --allow-ffi (or use --backend cpu)",
    };
  }
  if (!chosen) {
    return { ok: false, reason: `No native BLAS or oneDNN library found: ${INSTALL_HINT}` };
  }
  if (chosen === blas) return { ok: true, lib: { gemm: chosen.gemm, detail: chosen.detail } };
  return { ok: true, lib: chosen };
}

/**
 * Reads the library paths from the environment (`GRAFT_BLAS`, `GRAFT_DNNL`, `GRAFT_GEMM`).
 *
 * @example
 * ```ts
 * import { libraryPathsFromEnv, openNativeLibrary } from "./_library.ts";
 * const r = openNativeLibrary(libraryPathsFromEnv());
 * ```
 */
export function libraryPathsFromEnv(): LibraryPaths {
  return {
    blas: envGet("GRAFT_BLAS"),
    dnnl: envGet("GRAFT_DNNL"),
    prefer: envGet("GRAFT_GEMM"),
    primitives: envGet("GRAFT_PRIMITIVES"),
  };
}
