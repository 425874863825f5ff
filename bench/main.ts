/**
 * Benchmark entry point: `deno task bench <suite> [options]`. Suites: `cpu` (native CPU
 * backend against PyTorch, bench/cpu/), `profile` (one training step of a CPU benchmark model,
 * phase by phase and kernel by kernel), `gemm` (oneDNN against OpenBLAS on the models' matrix
 * products), `dsl` (bench/dsl.ts), `accuracy` (time to accuracy on CIFAR-10, Graft against
 * PyTorch, bench/accuracy/); the GPU run is bench/gpu/.
 *
 * @module
 */
const suites: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  cpu: async () => (await import("./cpu/mod.ts")).runCpuBench,
  profile: async () => (await import("./cpu/profile.ts")).runProfile,
  gemm: async () => (await import("./cpu/gemm.ts")).runGemmBench,
  dsl: async () => {
    const { benchDsl } = await import("./dsl.ts");
    return async () => console.log(await benchDsl());
  },
  accuracy: async () => {
    const { benchAccuracy } = await import("./accuracy/mod.ts");
    return async (args) => console.log(await benchAccuracy(Number(args[0] ?? 4)));
  },
};

const [suite, ...rest] = Deno.args;
const load = suite === undefined ? undefined : suites[suite];
if (!load) {
  console.error(`Usage: deno task bench <${Object.keys(suites).join("|")}> [options]`);
  Deno.exit(2);
}
await (await load())(rest);
