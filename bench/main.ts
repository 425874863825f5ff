/**
 * Benchmark entry point: `deno task bench <suite> [options]`. Suites: `cpu` (native CPU
 * backend against PyTorch, bench/cpu/) and `gpu` (bench/gpu/, when present).
 *
 * @module
 */
const suites: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  cpu: async () => (await import("./cpu/mod.ts")).runCpuBench,
};

const [suite, ...rest] = Deno.args;
const load = suite === undefined ? undefined : suites[suite];
if (!load) {
  console.error(`Usage: deno task bench <${Object.keys(suites).join("|")}> [options]`);
  Deno.exit(2);
}
await (await load())(rest);
