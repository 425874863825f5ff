/**
 * `deno task bench gemm [--repeats N]`: the matrix products of the CPU benchmark models (the seed
 * recipe's classifier forward and weight gradients, VGG16's dense head) through oneDNN's and
 * OpenBLAS's sgemm, each shape alternating between the two, to check which library the native
 * backend should prefer on this CPU (`GRAFT_GEMM=blas` switches).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Gemm, openNativeLibrary } from "../../backends/native/mod.ts";

/** One GEMM shape: `C[m, n] = op(A) op(B)` with `k` the inner size. */
export interface GemmShape {
  readonly name: string;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** The seed recipe's and VGG16's dense-layer products at batch 64. */
export const GEMM_SHAPES: readonly GemmShape[] = [
  { name: "seed classifier.0 forward", transA: false, transB: false, m: 64, n: 4096, k: 25088 },
  { name: "seed classifier.0 weight grad", transA: true, transB: false, m: 25088, n: 4096, k: 64 },
  { name: "seed classifier.3 weight grad", transA: true, transB: false, m: 4096, n: 4096, k: 64 },
  { name: "seed classifier.3 input grad", transA: false, transB: true, m: 64, n: 4096, k: 4096 },
  { name: "seed classifier.3 forward", transA: false, transB: false, m: 64, n: 4096, k: 4096 },
];

/** Milliseconds per call of `gemm` on `s` (median of `repeats` after one warm-up). */
export function timeGemm(gemm: Gemm, s: GemmShape, repeats: number): number {
  const fill = (n: number) => new Float32Array(n).fill(0.01);
  const a = fill(s.m * s.k), b = fill(s.k * s.n), c = fill(s.m * s.n);
  const run = () =>
    gemm(
      s.transA,
      s.transB,
      s.m,
      s.n,
      s.k,
      1,
      a,
      s.transA ? s.m : s.k,
      b,
      s.transB ? s.k : s.n,
      0,
      c,
      s.n,
    );
  run();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1]!;
}

/**
 * Prints one row per shape: ms and GFLOP/s through oneDNN and through OpenBLAS.
 *
 * @example
 * ```ts ignore
 * await runGemmBench(["--repeats", "3"]);
 * ```
 */
export async function runGemmBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { repeats: { type: "string", default: "5" } } });
  const repeats = Number(values.repeats);
  const dnnl = openNativeLibrary({ prefer: "dnnl", primitives: "gemm" });
  const blas = openNativeLibrary({ prefer: "blas" });
  const libs = [dnnl, blas].filter((r) => r.ok).map((r) => (r.ok ? r.lib : undefined)!);
  if (libs.length === 0) throw new Error("Cannot run the GEMM benchmark: no native library loads");
  console.log(`Libraries: ${libs.map((l) => l.detail).join("; ")}`);
  console.log(
    `| shape | m x n x k | ${
      libs.map((l) => `${l.detail.split(" ")[0]} ms | GFLOP/s`).join(" | ")
    } |`,
  );
  console.log(`| --- | --- | ${libs.map(() => "---: | ---:").join(" | ")} |`);
  for (const s of GEMM_SHAPES) {
    const ms = libs.map((l) => timeGemm(l.gemm, s, repeats));
    const gflops = (t: number) => (2 * s.m * s.n * s.k / t / 1e6).toFixed(0);
    const op = `${s.m} x ${s.n} x ${s.k}${s.transA ? " (A^T)" : ""}${s.transB ? " (B^T)" : ""}`;
    console.log(
      `| ${s.name} | ${op} | ${ms.map((t) => `${t.toFixed(1)} | ${gflops(t)}`).join(" | ")} |`,
    );
  }
  await Promise.resolve();
}
